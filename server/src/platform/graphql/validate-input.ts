import { validate, type ValidationError } from "class-validator";
import { badInput } from "../errors/errors.ts";

function flatten(errors: ValidationError[], path: string[]): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const here = [...path, e.property];
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field: here.join("."),
      message: message.replace(e.property, here.join(".")),
    }));
    return [...own, ...flatten(e.children ?? [], here)];
  });
}

/**
 * type-graphql's `validateFn`: refuses a NUL character in any string argument (an id, a
 * filter) before it reaches Postgres, which cannot store or compare it; then runs the
 * class-validator rules on every input object and answers one BAD_USER_INPUT error that names
 * each field and what to fix.
 */
export async function validateInput(
  argValue: unknown,
  _argType?: unknown,
  resolverData?: { args: Record<string, unknown> },
): Promise<void> {
  refuseNul(argValue, resolverData?.args ?? {});
  await validateAt(argValue, undefined);
}

/**
 * The same NUL refusal for a field's arguments as graphql-js passes them (by name): for the
 * subscriptions, whose `subscribe` functions take their arguments before type-graphql's
 * validation runs.
 */
export function refuseNulArgs(args: Record<string, unknown>): void {
  for (const value of Object.values(args)) refuseNul(value, args);
}

/**
 * A string argument, or a string field of an argument object (`@Args` classes, input types;
 * not JSON values, whose own check names them), holding U+0000: BAD_USER_INPUT naming it.
 */
function refuseNul(argValue: unknown, args: Record<string, unknown>): void {
  const named = (value: unknown) => Object.keys(args).find((k) => args[k] === value) ?? "argument";
  const check = (value: unknown, path: string) => {
    if (typeof value === "string" && value.includes("\u0000")) {
      throw badInput(`${path} must not contain the NUL character (U+0000)`, path);
    }
  };
  if (Array.isArray(argValue)) argValue.forEach((v, i) => check(v, `${named(argValue)}.${i}`));
  else if (argValue !== null && typeof argValue === "object" && argValue.constructor !== Object) {
    for (const [key, value] of Object.entries(argValue)) check(value, key);
  } else check(argValue, named(argValue));
}

/**
 * A `validateFn` for a list argument `name`: as `validateInput`, naming each input by its place
 * (`inputs.3.type must …`, field `inputs.3.type`).
 */
export const validateListInput =
  (name: string) =>
  (argValue: unknown): Promise<void> =>
    validateAt(argValue, name);

async function validateAt(argValue: unknown, listName: string | undefined): Promise<void> {
  if (argValue === null || typeof argValue !== "object") return;
  const values = Array.isArray(argValue) ? argValue : [argValue];
  for (const [i, value] of values.entries()) {
    if (value === null || typeof value !== "object") continue;
    const errors = await validate(value, { forbidUnknownValues: false, validationError: { target: false } });
    if (errors.length === 0) continue;
    const problems = flatten(errors, listName === undefined ? [] : [listName, String(i)]);
    const error = badInput(problems.map((p) => p.message).join("; "), problems[0]?.field);
    Object.assign(error.extensions, { problems });
    throw error;
  }
}
