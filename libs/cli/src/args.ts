import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake on the command line: exit code 2, with the usage hint. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Flags every command takes, before or after its name. */
export const GLOBAL_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

/**
 * Splits `argv` into the command's words (the first positionals: `submit plan`, `dlq list`, `get`) and the rest.
 * Only the global flags may stand before them (a command's own flags come after its name).
 */
export function commandWords(argv: readonly string[], count: (first: string | undefined) => number) {
  const { tokens } = parseArgs({
    args: [...argv],
    options: GLOBAL_OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const positionals = tokens.filter((t) => t.kind === "positional");
  const words = positionals.slice(0, count(positionals[0]?.value));
  const taken = new Set(words.map((t) => t.index));
  return { words: words.map((t) => t.value), rest: argv.filter((_, i) => !taken.has(i)) };
}

/** Parses a command's flags (and the global ones) strictly: an unknown flag is a UsageError. */
export function parseCommand<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A flag holding a whole number, if given. */
export function intFlag(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isInteger(n)) throw new UsageError(`--${name} takes a whole number`);
  return n;
}

/** The positionals a command needs, exactly `names.length` of them. */
export function exactly(positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length !== names.length) {
    const expected = names.map((n) => `<${n}>`).join(" ") || "no argument";
    throw new UsageError(`expected ${expected}, got ${positionals.length ? positionals.join(" ") : "nothing"}`);
  }
  return [...positionals];
}

export interface GlobalFlags {
  url?: string | undefined;
  token?: string | undefined;
  config?: string | undefined;
  json: boolean;
  help: boolean;
}

/** The global flags wherever they stand, the command's own flags left for it to check. */
export function globalFlags(args: readonly string[]): GlobalFlags {
  const { values } = parseArgs({ args: [...args], options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
  const text = (value: string | boolean | undefined) => (typeof value === "string" ? value : undefined);
  return {
    url: text(values.url),
    token: text(values.token),
    config: text(values.config),
    json: values.json === true,
    help: values.help === true,
  };
}
