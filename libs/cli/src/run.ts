import { AiJobsClient, AiJobsError, ApiError } from "@ai-jobs/sdk";
import { commandWords, globalFlags, UsageError } from "./args.js";
import { DLQ, queuesCommand } from "./commands/admin.js";
import { cancelCommand, getCommand, jobsCommand, planCommand, retryCommand } from "./commands/jobs.js";
import { SUBMITS } from "./commands/submit.js";
import { tailCommand, watchCommand } from "./commands/watch.js";
import { resolveSettings } from "./config.js";
import type { Command, Context } from "./context.js";
import { Output, type Sink } from "./output.js";
import { USAGE } from "./usage.js";

export interface Io {
  env: Record<string, string | undefined>;
  stdout: Sink;
  stderr: Sink;
  signal: AbortSignal;
  home: string;
  readText(path: string): Promise<string>;
  openFile(path: string): Promise<Blob>;
}

export const EXIT = { ok: 0, jobFailed: 1, usage: 2, api: 3, interrupted: 130 } as const;

const COMMANDS: Record<string, Command> = {
  get: getCommand,
  watch: watchCommand,
  jobs: jobsCommand,
  cancel: cancelCommand,
  retry: retryCommand,
  plan: planCommand,
  tail: tailCommand,
  queues: queuesCommand,
};
/** Commands with a second word: `submit plan`, `dlq list`. */
const GROUPS: Record<string, Record<string, Command>> = { submit: SUBMITS, dlq: DLQ };

/** Runs one command line; answers the exit code. Never throws. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const { words, rest } = commandWords(argv, (first) => (first !== undefined && first in GROUPS ? 2 : 1));
  const flags = globalFlags(argv);
  const out = new Output(io.stdout, io.stderr, flags.json);
  try {
    const [name, sub] = words;
    if (flags.help || name === undefined) {
      io.stdout.write(USAGE);
      return flags.help ? EXIT.ok : EXIT.usage;
    }
    const group = GROUPS[name];
    const command = group ? group[sub ?? ""] : COMMANDS[name];
    if (command === undefined) {
      throw new UsageError(
        group ? `${name} takes one of: ${Object.keys(group).join(", ")}` : `unknown command ${name}`,
      );
    }
    const settings = await resolveSettings({ flags, env: io.env, home: io.home, readText: io.readText });
    const context: Context = {
      client: new AiJobsClient({ baseUrl: settings.url, token: settings.token }),
      out,
      args: rest,
      signal: io.signal,
      readText: io.readText,
      openFile: io.openFile,
    };
    return await command(context);
  } catch (err) {
    return failed(out, err, io.signal);
  }
}

/** Reports an error on stderr and answers its exit code. */
function failed(out: Output, err: unknown, signal: AbortSignal): number {
  if (signal.aborted) return EXIT.interrupted;
  if (err instanceof UsageError) {
    out.error(`ai-jobs: ${err.message} (see ai-jobs --help)`);
    return EXIT.usage;
  }
  if (err instanceof ApiError) {
    if (out.json) {
      const { status, type, title, code, detail, errors, retryAfter, requestId } = err;
      out.error(
        JSON.stringify({
          error: { status, type, title, code, detail, errors, retry_after: retryAfter, request_id: requestId },
        }),
      );
    } else {
      out.error(`ai-jobs: ${err.status} ${err.code}: ${err.detail ?? err.title}`);
      for (const e of err.errors ?? []) out.error(`  ${e.field}: ${e.message}`);
      if (err.retryAfter !== undefined) out.error(`  retry after ${err.retryAfter} s`);
    }
    return EXIT.api;
  }
  if (err instanceof AiJobsError) {
    // A ConnectionError (nothing answered) or a ResponseError (an answer this client does not understand).
    if (out.json) out.error(JSON.stringify({ error: { code: err.name, detail: err.message } }));
    else out.error(`ai-jobs: ${err.message}`);
    return EXIT.api;
  }
  out.error(`ai-jobs: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.api;
}
