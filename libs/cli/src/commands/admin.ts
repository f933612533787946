import type { DeadLetterView, Queue } from "@ai-jobs/sdk";
import { exactly, intFlag, parseCommand, UsageError } from "../args.js";
import type { Context } from "../context.js";
import { table } from "../output.js";

const QUEUES: readonly Queue[] = ["ai_generation", "ingest"];

/** `queues`: per queue and priority, backlog, in flight, oldest waiting, throughput; workers and dead letters. */
export async function queuesCommand(ctx: Context): Promise<number> {
  const { positionals } = parseCommand(ctx.args, {});
  exactly(positionals, []);
  const stats = await ctx.client.queues({ signal: ctx.signal });
  ctx.out.result(stats, () =>
    table(
      ["queue", "priority", "backlog", "in_flight", "oldest_ms", "jobs/min", "workers", "dead_letters"],
      stats.queues.flatMap((q) =>
        q.priorities.map((p) => [
          q.queue,
          p.priority,
          String(p.backlog),
          String(p.in_flight),
          p.oldest_waiting_age_ms === null ? "-" : String(p.oldest_waiting_age_ms),
          p.throughput_1m.toFixed(1),
          `${q.workers.alive} (${q.workers.in_flight}/${q.workers.concurrency} busy)`,
          String(q.dead_letters),
        ]),
      ),
    ),
  );
  return 0;
}

/** `dlq list [--queue Q] [--limit N]` and `dlq replay <seq>`. */
export const DLQ: Record<string, (ctx: Context) => Promise<number>> = {
  list: async (ctx) => {
    const { values, positionals } = parseCommand(ctx.args, { queue: { type: "string" }, limit: { type: "string" } });
    exactly(positionals, []);
    const queue = values.queue as Queue | undefined;
    if (queue !== undefined && !QUEUES.includes(queue)) throw new UsageError(`--queue is one of ${QUEUES.join(", ")}`);
    const limit = intFlag(values.limit, "limit") ?? 50;
    if (limit < 1) throw new UsageError("--limit is at least 1");
    const letters: DeadLetterView[] = [];
    for await (const letter of ctx.client.deadLetters(
      { limit: Math.min(limit, 200), ...(queue ? { queue } : {}) },
      { signal: ctx.signal },
    )) {
      letters.push(letter);
      if (letters.length >= limit) break;
    }
    ctx.out.result(letters, () =>
      table(
        ["seq", "job_id", "queue", "type", "error", "attempts", "dead_lettered_at", "replayed_at"],
        letters.map((d) => [
          String(d.seq),
          d.job_id ?? "-",
          d.queue,
          d.type ?? "-",
          d.error.code,
          String(d.attempts),
          d.dead_lettered_at,
          d.replayed_at ?? "-",
        ]),
      ),
    );
    return 0;
  },
  replay: async (ctx) => {
    const { positionals } = parseCommand(ctx.args, {});
    const [seq = ""] = exactly(positionals, ["seq"]);
    const job = await ctx.client.replay(seq, { signal: ctx.signal });
    ctx.out.result(job, () => `dead letter ${seq} replayed: job ${job.job_id} ${job.status}`);
    return 0;
  },
};
