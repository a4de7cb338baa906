import { readFileSync } from "node:fs";

/** What the test needs to know of `prisma/schema.prisma`, read from its text. */
export interface ParsedField {
  name: string;
  column: string;
  type: string;
  list: boolean;
  optional: boolean;
  relation: boolean;
  unique: boolean;
  id: boolean;
}

export interface ParsedModel {
  name: string;
  table: string;
  fields: ParsedField[];
  /** Column lists of @@unique and of single-field @unique. */
  uniques: string[][];
}

export interface ParsedSchema {
  models: ParsedModel[];
  enums: Map<string, string[]>;
}

const BLOCK = /^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm;

export function parsePrismaSchema(path: string): ParsedSchema {
  const text = readFileSync(path, "utf8").replace(/\/\/.*$/gm, "");
  const blocks = [...text.matchAll(BLOCK)].map(([, kind, name, body]) => ({ kind, name: name!, body: body! }));
  const modelNames = new Set(blocks.filter((b) => b.kind === "model").map((b) => b.name));
  const enums = new Map(
    blocks
      .filter((b) => b.kind === "enum")
      .map((b) => [b.name, b.body.split(/\s+/).filter((w) => /^\w+$/.test(w))] as const),
  );
  const models = blocks
    .filter((b) => b.kind === "model")
    .map((b) => {
      const lines = b.body
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const table = /@@map\("([^"]+)"\)/.exec(b.body)?.[1] ?? b.name;
      const fields: ParsedField[] = lines
        .filter((l) => !l.startsWith("@@"))
        .map((l) => {
          const [, name, type, list, optional] = /^(\w+)\s+(\w+)(\[\])?(\?)?/.exec(l) ?? [];
          return {
            name: name!,
            type: type!,
            list: list === "[]",
            optional: optional === "?",
            relation: modelNames.has(type!),
            unique: /@unique\b/.test(l),
            id: /@id\b/.test(l),
            column: /@map\("([^"]+)"\)/.exec(l)?.[1] ?? name!,
          };
        });
      const columnOf = (f: string) => fields.find((x) => x.name === f)?.column ?? f;
      const uniques = [
        ...fields.filter((f) => f.unique).map((f) => [f.column]),
        ...[...b.body.matchAll(/@@unique\(\[([^\]]+)\]/g)].map(([, list]) =>
          list!.split(",").map((f) => columnOf(f.trim())),
        ),
      ];
      return { name: b.name, table, fields, uniques };
    });
  return { models, enums };
}
