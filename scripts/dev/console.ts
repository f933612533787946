// `npm run dev`'s one output stream: every line prefixed with the name of the process it comes from, pino JSON lines
// rendered readably, colours on a terminal (FORCE_COLOR / NO_COLOR override).

const NAME_WIDTH = 8;

const useColor = process.env.FORCE_COLOR
  ? process.env.FORCE_COLOR !== "0"
  : !process.env.NO_COLOR && process.stdout.isTTY === true;

type Paint = (text: string) => string;
const paint =
  (code: string): Paint =>
  (text) =>
    useColor ? `\x1b[${code}m${text}\x1b[0m` : text;

export const c = {
  dim: paint("2"),
  bold: paint("1"),
  red: paint("31"),
  green: paint("32"),
  yellow: paint("33"),
  cyan: paint("36"),
};

const NAME_COLORS: Record<string, string> = {
  gateway: "36",
  events: "35",
  planner: "33",
  ingestor: "32",
  nats: "34",
  ferretdb: "94",
  postgres: "96",
  dev: "1",
};
const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const LEVEL_COLORS: Record<string, Paint> = {
  TRACE: c.dim,
  DEBUG: c.dim,
  INFO: c.green,
  WARN: c.yellow,
  ERROR: c.red,
  FATAL: c.red,
};

// A closed terminal (SIGHUP) or a reader that went away (`npm run dev | head`) makes writes fail: that must not
// crash the script halfway through stopping the stack, so output just ends.
let outputOpen = true;
process.stdout.on("error", () => {
  outputOpen = false;
});

/** Writes raw text (no prefix) to stdout while it is open. */
export function write(text: string): void {
  if (outputOpen) process.stdout.write(text);
}

/** One line from `name`. */
export function print(name: string, text: string): void {
  write(`${paint(NAME_COLORS[name] ?? "0")(name.padEnd(NAME_WIDTH))} | ${text}\n`);
}

/** One line from the dev script itself. */
export const say = (text: string): void => print("dev", text);

function hhmmss(time: unknown): string {
  const d = time === undefined ? new Date() : new Date(time as string | number);
  if (Number.isNaN(d.getTime())) return String(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** A pino JSON line rendered as `HH:MM:SS LEVEL msg job_id=… trace_id=… err=…`; anything else is returned as is. */
export function render(line: string): string {
  if (!line.startsWith("{")) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return line;
  const o = parsed as Record<string, unknown>;
  if (!("msg" in o || "level" in o)) return line;
  const level =
    typeof o.level === "number" ? (LEVELS[o.level] ?? String(o.level)) : String(o.level ?? "").toUpperCase();
  const extras: string[] = [];
  if (o.job_id !== undefined) extras.push(`job_id=${String(o.job_id)}`);
  if (o.trace_id !== undefined) extras.push(`trace_id=${String(o.trace_id)}`);
  const err = o.err;
  if (err !== null && typeof err === "object" && "message" in err) extras.push(c.red(`err=${String(err.message)}`));
  const head = `${c.dim(hhmmss(o.time))} ${(LEVEL_COLORS[level] ?? ((s: string) => s))(level.padEnd(5))}`;
  return [head, String(o.msg ?? ""), extras.length > 0 ? c.dim(extras.join(" ")) : ""].filter(Boolean).join(" ");
}
