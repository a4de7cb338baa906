/** How deep event data may nest (objects and arrays); Postgres's jsonb parser stops far deeper. */
export const MAX_DATA_DEPTH = 64;

/**
 * Why Postgres could not store `value` as jsonb, or null when it can: a NUL character or a
 * lone UTF-16 surrogate (no UTF-8 for either) in a key or a string, or nesting deeper than
 * MAX_DATA_DEPTH. Walks the value itself, so the six characters `\u0000` in a string are text
 * like any other, not a NUL.
 */
export function unstorable(value: unknown): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === "string") {
      const why = badText(v);
      if (why) return why;
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= MAX_DATA_DEPTH) return `nests deeper than ${MAX_DATA_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (const item of v) stack.push({ v: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      const why = badText(key);
      if (why) return why.replace("a string", "a key");
      stack.push({ v: item, depth: depth + 1 });
    }
  }
  return null;
}

/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badText(s: string): string | null {
  if (s.includes("\u0000")) return "must not contain the NUL character (U+0000) in a string";
  if (LONE_SURROGATE.test(s)) return "must not contain a lone UTF-16 surrogate (no Unicode character) in a string";
  return null;
}
