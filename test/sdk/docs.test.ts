// The SDK's docs cannot rot: every TypeScript block in sdk/README.md and docs/sdk.md is a file
// under sdk/examples/snippets/ (which `npm run typecheck` compiles), word for word, and the
// README names every method the SDK has.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { operations } from "../../sdk/src/generated/operations.ts";
import { fencedBlocks, type FencedBlock } from "../support/markdown.ts";
import { ROOT } from "../support/process.ts";

const DOCS = ["sdk/README.md", "docs/sdk.md"];
const SNIPPETS = "sdk/examples/snippets";

/** A snippet as the docs show it: the part between `// snippet-start` and `// snippet-end`, or all of it. */
function snippet(path: string): string {
  const text = readFileSync(join(ROOT, path), "utf8");
  const region = /\/\/ snippet-start\n([\s\S]*?)\/\/ snippet-end\n/.exec(text);
  return (region ? region[1]! : text).replace(/\n+$/, "");
}

interface Block extends FencedBlock {
  doc: string;
  source: string | undefined;
}

/** Every fenced code block of `doc`, with the `<!-- snippet: … -->` comment before it, if any. */
function blocks(doc: string): Block[] {
  return fencedBlocks(readFileSync(join(ROOT, doc), "utf8")).map((b) => ({
    ...b,
    doc,
    source: /^<!-- snippet: (\S+) -->$/.exec(b.before.trimEnd().split("\n").at(-1) ?? "")?.[1],
  }));
}

describe("SDK docs", () => {
  const all = DOCS.flatMap(blocks);
  const typescript = all.filter((b) => ["ts", "typescript", "js", "javascript", "tsx"].includes(b.lang));

  it("has TypeScript blocks, each one a snippet file", () => {
    expect(typescript.length).toBeGreaterThan(8);
    for (const b of typescript) {
      expect(b.source, `${b.doc}:${b.line} needs <!-- snippet: ${SNIPPETS}/….ts --> before it`).toBeDefined();
    }
  });

  it("shows each snippet exactly as the file has it", () => {
    for (const b of typescript) {
      expect(b.code, `${b.doc}:${b.line} differs from ${b.source}: copy the file's snippet into the doc`).toBe(
        snippet(b.source!),
      );
    }
  });

  it("uses every snippet file (so none is left behind untested)", () => {
    const used = new Set(typescript.map((b) => b.source));
    for (const file of readdirSync(join(ROOT, SNIPPETS))) expect(used).toContain(`${SNIPPETS}/${file}`);
  });

  it("lists every method in the README", () => {
    const readme = readFileSync(join(ROOT, "sdk/README.md"), "utf8");
    for (const method of Object.keys(operations)) expect(readme).toContain(`\`${method}\``);
  });
});
