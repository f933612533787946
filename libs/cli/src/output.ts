/** Where the CLI writes: `process.stdout`/`stderr`, or a buffer in tests. */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Prints for people (aligned lines, tables) or, with `--json`, one JSON document per line for scripts. */
export class Output {
  constructor(
    readonly stdout: Sink,
    readonly stderr: Sink,
    readonly json: boolean,
  ) {}

  /** With --json, the value as one line; else the human text (a function, so that it is built only when shown). */
  result(value: unknown, human: () => string): void {
    this.stdout.write(this.json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

/** Left-aligned columns, two spaces apart, a header row first. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)].join("\n");
}

/** `key   value` lines, the keys padded to one width; undefined values are left out. */
export function fields(entries: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = entries.filter((e): e is readonly [string, string] => e[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
