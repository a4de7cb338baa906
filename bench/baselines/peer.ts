// What the baseline servers share: their ready line and request bodies.
import type { IncomingMessage } from "node:http";

/** Prints the line the benchmark waits for: `READY {"url": …, "control": …}`. */
export function ready(info: { url: string; control: string }): void {
  process.stdout.write(`READY ${JSON.stringify(info)}\n`);
}

/** A request's body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
