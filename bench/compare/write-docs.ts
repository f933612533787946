/** Rewrites the part of docs/BENCHMARKS.md between the compare markers, leaving the hand-written text around it. */
import { readFile, writeFile } from "node:fs/promises";

export const START = "<!-- bench:compare:start -->";
export const END = "<!-- bench:compare:end -->";

export function replaceBetweenMarkers(doc: string, body: string): string {
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  const block = `${START}\n${body}\n${END}`;
  if (from === -1 || to < from)
    return `${doc.trimEnd()}\n\n## Side by side: this platform, BullMQ and raw JetStream (issue 8)\n\n${block}\n`;
  return doc.slice(0, from) + block + doc.slice(to + END.length);
}

export async function writeBenchmarks(file: string, body: string): Promise<void> {
  await writeFile(file, replaceBetweenMarkers(await readFile(file, "utf8"), body));
}
