/** A fenced code block of a Markdown file, with the prose before it. */
export interface FencedBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language (`sh`, `json`, `ts`…), or "". */
  lang: string;
  code: string;
  /** The text between the previous block (or the file's start) and this one. */
  before: string;
}

/**
 * Every fenced code block of `markdown`, in order. Docs tests read them: the SDK's (each block
 * a snippet file) and the quickstart's (its commands run in order).
 */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split("\n");
  const out: FencedBlock[] = [];
  let proseFrom = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    out.push({
      line: i + 1,
      lang: open[1]!,
      code: lines.slice(i + 1, end).join("\n"),
      before: lines.slice(proseFrom, i).join("\n"),
    });
    i = end;
    proseFrom = end + 1;
  }
  return out;
}
