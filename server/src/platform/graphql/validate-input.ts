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
 * type-graphql's `validateFn`: runs the class-validator rules on every input object and
 * answers one BAD_USER_INPUT error that names each field and what to fix.
 */
export async function validateInput(argValue: unknown): Promise<void> {
  await validateAt(argValue, undefined);
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
