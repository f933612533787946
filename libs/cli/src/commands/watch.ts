import type { WatchEvent } from "@ai-jobs/sdk";
import { exactly, parseCommand, UsageError } from "../args.js";
import type { Context } from "../context.js";
import { applyEvent, isTerminalStatus, type JobLine, ProgressView } from "../progress.js";

/** `watch <job…>`: progress bars until every job has ended; exit 1 if one failed or was cancelled. */
export async function watchCommand(ctx: Context): Promise<number> {
  const { positionals } = parseCommand(ctx.args, {});
  if (positionals.length === 0) throw new UsageError("expected <job_id…>");
  return watchJobs(ctx, positionals);
}

/** Follows jobs to their end: NDJSON events with --json, else live bars and a last line per job. */
export async function watchJobs(ctx: Context, jobIds: readonly string[]): Promise<number> {
  const { out } = ctx;
  const lines = new Map<string, JobLine>(
    jobIds.map((jobId) => [
      jobId,
      { jobId, status: "waiting", pct: 0, step: undefined, message: undefined, error: undefined, result: undefined },
    ]),
  );
  const view = new ProgressView(out.stdout);
  for await (const event of ctx.client.watch(jobIds, { signal: ctx.signal })) {
    const line = lines.get(event.job_id);
    if (line === undefined) continue;
    const next = applyEvent(line, event);
    lines.set(event.job_id, next);
    if (out.json) out.line(JSON.stringify(event));
    else view.render([...lines.values()], next);
  }
  const ended = [...lines.values()];
  if (!out.json) {
    for (const line of ended) {
      if (line.status === "succeeded") out.line(`${line.jobId} succeeded ${JSON.stringify(line.result ?? {})}`);
      else if (line.error) out.line(`${line.jobId} ${line.status}: ${line.error.code}: ${line.error.message}`);
      else out.line(`${line.jobId} ${line.status}`);
    }
  }
  return ended.every((line) => line.status === "succeeded") ? 0 : 1;
}

/** `tail [--from <id>]`: every job event of the tenant as it happens, until Ctrl-C. */
export async function tailCommand(ctx: Context): Promise<number> {
  const { values, positionals } = parseCommand(ctx.args, { from: { type: "string" } });
  exactly(positionals, []);
  const events = ctx.client.tail({ signal: ctx.signal, ...(values.from ? { lastEventId: values.from } : {}) });
  try {
    for await (const event of events) {
      ctx.out.line(ctx.out.json ? JSON.stringify(event) : describe(event));
    }
  } catch (err) {
    // Ctrl-C is how a tail ends.
    if (ctx.signal.aborted) return 0;
    throw err;
  }
  return 0;
}

/** One event in a line: `id job type details`. */
export function describe(event: WatchEvent): string {
  const head = `${event.id.padStart(6)}  ${event.job_id}  ${event.type.padEnd(8)}`;
  switch (event.type) {
    case "meta":
      return `${head}  ${event.status}${isTerminalStatus(event.status) ? " (end)" : ""}`;
    case "progress":
      return `${head}  ${event.pct === undefined ? "" : `${event.pct}% `}${event.step ? `${event.step}: ` : ""}${event.message}`;
    case "result":
      return `${head}  ${JSON.stringify(event.result)}`;
    case "error":
      return `${head}  ${event.code}: ${event.message}`;
  }
}
