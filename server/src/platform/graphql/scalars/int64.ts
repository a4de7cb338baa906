import { GraphQLScalarType, Kind } from "graphql";
import { badInput } from "../../errors/errors.ts";

const MAX = 2n ** 63n - 1n;

function parse(value: unknown): bigint {
  if (typeof value === "string" && /^-?\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    if (n <= MAX && n >= -MAX - 1n) return n;
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw badInput('Int64 must be a 64-bit integer written as a decimal string, e.g. "42"');
}

/** A 64-bit integer (event `seq`, tick numbers), sent as a decimal string to keep all its digits. */
export const Int64Scalar = new GraphQLScalarType<bigint, string>({
  name: "Int64",
  description: 'A 64-bit integer sent as a decimal string, e.g. "9007199254740993".',
  serialize(value) {
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
    throw new TypeError("Int64 cannot represent a non-integer value");
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT)
      return parse(ast.kind === Kind.INT ? Number(ast.value) : ast.value);
    throw badInput("Int64 must be a decimal string");
  },
});
