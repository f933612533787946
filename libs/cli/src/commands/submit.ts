import { basename } from "node:path";
import type { GeneratePlanInput, Priority, SubmitRequestOptions } from "@ai-jobs/sdk";
import { exactly, intFlag, parseCommand, UsageError } from "../args.js";
import type { Context } from "../context.js";
import { watchJobs } from "./watch.js";

const PRIORITIES: readonly Priority[] = ["critical", "high", "normal", "low"];

/** Flags of every submit. */
const SUBMIT_OPTIONS = {
  "idempotency-key": { type: "string" },
  watch: { type: "boolean", short: "w" },
} as const;

/** Scheduling flags of the submits that take them (plan generation, uploads). */
const SCHEDULE_OPTIONS = {
  priority: { type: "string" },
  "delay-ms": { type: "string" },
  "run-at": { type: "string" },
  "webhook-url": { type: "string" },
} as const;

const PLAN_OPTIONS = {
  ...SUBMIT_OPTIONS,
  ...SCHEDULE_OPTIONS,
  body: { type: "string" },
  goal: { type: "string" },
  title: { type: "string" },
  context: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  "daily-minutes": { type: "string" },
} as const;

/** `submit <what> …`: one submit per job route; `--watch` follows the job to its end. */
export const SUBMITS: Record<string, (ctx: Context) => Promise<number>> = {
  plan: submitPlan,
  material: submitMaterial,
  summary: async (ctx) => {
    const { values, positionals } = parseCommand(ctx.args, SUBMIT_OPTIONS);
    const [planId = ""] = exactly(positionals, ["plan_id"]);
    return submitted(ctx, values, await ctx.client.submitSummary(planId, submitOptions(ctx, values)));
  },
  export: async (ctx) => {
    const { values, positionals } = parseCommand(ctx.args, SUBMIT_OPTIONS);
    const [planId = ""] = exactly(positionals, ["plan_id"]);
    return submitted(ctx, values, await ctx.client.submitExport(planId, {}, submitOptions(ctx, values)));
  },
  day: async (ctx) => {
    const { values, positionals } = parseCommand(ctx.args, SUBMIT_OPTIONS);
    const [planId = "", dayId = ""] = exactly(positionals, ["plan_id", "day_id"]);
    return submitted(ctx, values, await ctx.client.submitDayGeneration(planId, dayId, submitOptions(ctx, values)));
  },
  tasks: async (ctx) => {
    const options = { ...SUBMIT_OPTIONS, day: { type: "string" }, section: { type: "string" } } as const;
    const { values, positionals } = parseCommand(ctx.args, options);
    const [planId = ""] = exactly(positionals, ["plan_id"]);
    if (!values.day || !values.section) throw new UsageError("submit tasks needs --day and --section");
    const body = { day_id: values.day, section_id: values.section };
    return submitted(ctx, values, await ctx.client.submitTasks(planId, body, submitOptions(ctx, values)));
  },
};

async function submitPlan(ctx: Context): Promise<number> {
  const { values, positionals } = parseCommand(ctx.args, PLAN_OPTIONS);
  exactly(positionals, []);
  const fromFile = values.body === undefined ? {} : await jsonObject(ctx, values.body);
  const fromFlags = {
    goal: values.goal,
    title: values.title,
    study_context: values.context,
    start_date: values.start,
    end_date: values.end,
    daily_minutes: intFlag(values["daily-minutes"], "daily-minutes"),
    ...scheduleOf(values),
  };
  // The flags win over the file; the gateway checks the whole body (a 400 names every bad field).
  const body: Record<string, unknown> = { ...fromFile, ...defined(fromFlags) };
  const missing = ["goal", "start_date", "end_date"].filter((field) => body[field] === undefined);
  if (missing.length > 0) {
    throw new UsageError(`submit plan needs ${missing.join(", ")} (--goal, --start, --end, or a --body file)`);
  }
  const plan = await ctx.client.submitPlan(body as GeneratePlanInput, submitOptions(ctx, values));
  return submitted(ctx, values, plan, `plan ${plan.id}`);
}

async function submitMaterial(ctx: Context): Promise<number> {
  const options = {
    ...SUBMIT_OPTIONS,
    ...SCHEDULE_OPTIONS,
    "document-id": { type: "string" },
    filename: { type: "string" },
  } as const;
  const { values, positionals } = parseCommand(ctx.args, options);
  const [planId = "", path = ""] = exactly(positionals, ["plan_id", "file"]);
  let file: Blob;
  try {
    file = await ctx.openFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const input = {
    file,
    filename: values.filename ?? basename(path),
    ...defined({ document_id: values["document-id"], ...scheduleOf(values) }),
  };
  const uploaded = await ctx.client.submitMaterial(planId, input, submitOptions(ctx, values));
  return submitted(ctx, values, uploaded, `document ${uploaded.document_id}`);
}

/** Prints the submit's answer (the API's JSON with --json), then follows the job with --watch. */
async function submitted(
  ctx: Context,
  values: { watch?: boolean | undefined },
  answer: { job_id: string },
  what?: string,
): Promise<number> {
  ctx.out.result(answer, () => `job ${answer.job_id} submitted${what ? ` (${what})` : ""}`);
  return values.watch ? watchJobs(ctx, [answer.job_id]) : 0;
}

function submitOptions(ctx: Context, values: { "idempotency-key"?: string | undefined }): SubmitRequestOptions {
  return { signal: ctx.signal, ...(values["idempotency-key"] ? { idempotencyKey: values["idempotency-key"] } : {}) };
}

function scheduleOf(values: {
  priority?: string | undefined;
  "delay-ms"?: string | undefined;
  "run-at"?: string | undefined;
  "webhook-url"?: string | undefined;
}) {
  const priority = values.priority;
  if (priority !== undefined && !PRIORITIES.includes(priority as Priority)) {
    throw new UsageError(`--priority is one of ${PRIORITIES.join(", ")}`);
  }
  return {
    priority: priority as Priority | undefined,
    delay_ms: intFlag(values["delay-ms"], "delay-ms"),
    run_at: values["run-at"],
    webhook_url: values["webhook-url"],
  };
}

/** The object without its undefined fields. */
function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function jsonObject(ctx: Context, path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await ctx.readText(path));
  } catch (err) {
    throw new UsageError(`--body ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--body ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
