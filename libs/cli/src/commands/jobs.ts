import type { JobStatus, JobView } from "@ai-jobs/sdk";
import { exactly, intFlag, parseCommand, UsageError } from "../args.js";
import type { Context } from "../context.js";
import { fields, table } from "../output.js";

const STATUSES: readonly JobStatus[] = ["queued", "running", "retrying", "succeeded", "failed", "cancelled"];

/** `get <job_id>` */
export async function getCommand(ctx: Context): Promise<number> {
  const { positionals } = parseCommand(ctx.args, {});
  const [jobId = ""] = exactly(positionals, ["job_id"]);
  const job = await ctx.client.getJob(jobId, { signal: ctx.signal });
  ctx.out.result(job, () => describeJob(job));
  return 0;
}

/** `cancel <job_id>` */
export async function cancelCommand(ctx: Context): Promise<number> {
  const { positionals } = parseCommand(ctx.args, {});
  const [jobId = ""] = exactly(positionals, ["job_id"]);
  const job = await ctx.client.cancel(jobId, { signal: ctx.signal });
  ctx.out.result(job, () => `job ${job.job_id} ${job.status === "cancelled" ? "cancelled" : "is being cancelled"}`);
  return 0;
}

/** `retry <job_id>` */
export async function retryCommand(ctx: Context): Promise<number> {
  const { positionals } = parseCommand(ctx.args, {});
  const [jobId = ""] = exactly(positionals, ["job_id"]);
  const job = await ctx.client.retry(jobId, { signal: ctx.signal });
  ctx.out.result(job, () => `job ${job.job_id} ${job.status} again (retry ${job.retries})`);
  return 0;
}

/** `jobs [--status S] [--type T] [--limit N]`: the newest jobs (20 by default), across pages. */
export async function jobsCommand(ctx: Context): Promise<number> {
  const options = { status: { type: "string" }, type: { type: "string" }, limit: { type: "string" } } as const;
  const { values, positionals } = parseCommand(ctx.args, options);
  exactly(positionals, []);
  const limit = intFlag(values.limit, "limit") ?? 20;
  if (limit < 1) throw new UsageError("--limit is at least 1");
  const status = values.status as JobStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status))
    throw new UsageError(`--status is one of ${STATUSES.join(", ")}`);
  const jobs: JobView[] = [];
  const filter = {
    limit: Math.min(limit, 200),
    ...(status ? { status } : {}),
    ...(values.type ? { type: values.type } : {}),
  };
  for await (const job of ctx.client.listJobs(filter, { signal: ctx.signal })) {
    jobs.push(job);
    if (jobs.length >= limit) break;
  }
  ctx.out.result(jobs, () =>
    table(
      ["job_id", "type", "status", "pct", "created_at"],
      jobs.map((j) => [j.job_id, j.type, j.status, `${Math.round(j.progress.pct)}%`, j.created_at]),
    ),
  );
  return 0;
}

/** `plan <plan_id>`: the plan, its days and task counts. */
export async function planCommand(ctx: Context): Promise<number> {
  const { positionals } = parseCommand(ctx.args, {});
  const [planId = ""] = exactly(positionals, ["plan_id"]);
  const plan = await ctx.client.getPlan(planId, { signal: ctx.signal });
  ctx.out.result(plan, () =>
    [
      fields([
        ["plan", `${plan.id}  ${plan.title}`],
        ["goal", plan.goal],
        ["dates", `${plan.start_date} to ${plan.end_date}, ${plan.daily_minutes} min a day`],
        ["generation", `${plan.generation_status}${plan.last_error ? ` (${plan.last_error})` : ""}`],
        ["done", `${plan.completion.done_tasks}/${plan.completion.total_tasks} tasks (${plan.completion.pct}%)`],
      ]),
      ...plan.days.map(
        (d) => `  ${d.date}  ${d.title}  (${d.sections.reduce((n, s) => n + s.tasks.length, 0)} tasks, ${d.status})`,
      ),
    ].join("\n"),
  );
  return 0;
}

export function describeJob(job: JobView): string {
  const progress = [`${Math.round(job.progress.pct)}%`, job.progress.step, job.progress.message].filter(Boolean);
  return fields([
    ["job", `${job.job_id}  ${job.type}  (queue ${job.queue}, priority ${job.priority})`],
    ["status", job.status],
    ["progress", progress.join("  ")],
    ["attempt", `${job.attempt} of ${job.max_attempts}, ${job.retries} retries`],
    ["error", job.last_error ? `${job.last_error.code}: ${job.last_error.message}` : undefined],
    ["result", job.result_refs ? JSON.stringify(job.result_refs) : undefined],
    ["run at", job.run_at ?? undefined],
    ["created", job.created_at],
    ["finished", job.finished_at ?? undefined],
  ]);
}
