import { GraphQLScalarType, Kind } from "graphql";
import { badInput } from "../../errors/errors.ts";

function parse(value: unknown): Date {
  if (typeof value === "string") {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime()) && /^\d{4}-\d{2}-\d{2}T/.test(value)) return d;
  }
  throw badInput('DateTime must be an ISO-8601 string, e.g. "2026-11-21T12:00:00.000Z"');
}

/** A point in time, sent as an ISO-8601 string in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: 'A point in time as an ISO-8601 string in UTC, e.g. "2026-11-21T12:00:00.000Z".',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === "string") return new Date(value).toISOString();
    throw new TypeError("DateTime cannot represent this value");
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parse(ast.value);
    throw badInput("DateTime must be a string");
  },
});
