/**
 * Every call the dashboard makes to the API, and the only module that knows its paths. Answers are checked against
 * the API's schemas (@ai-jobs/contracts) before a page sees them.
 */
import {
  DeadLetterView,
  JobEventView,
  JobListView,
  JobUsageView,
  JobView,
  MeView,
  Problem,
  QueueHistoryView,
  QueueStatsListView,
  ScheduleListView,
  TenantUsageView,
  WebhookDeliveryListView,
} from "@ai-jobs/contracts";
import { z } from "zod";
import { ApiError, ConnectionError } from "./errors.js";
import { type StreamEvent, streamEvents } from "./sse.js";

export type { StreamEvent } from "./sse.js";

/** The `GET /jobs/` filters the dashboard offers (every one optional). */
export interface JobQuery {
  status?: string | undefined;
  type?: string | undefined;
  queue?: string | undefined;
  priority?: string | undefined;
  /** ISO times bounding `created_at`. */
  since?: string | undefined;
  until?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

const JobEventList = z.object({ items: z.array(JobEventView) });
const DeadLetterList = z.object({ items: z.array(DeadLetterView), next_cursor: z.string().nullable() });
export type DeadLetterList = z.infer<typeof DeadLetterList>;

type Query = Record<string, string | number | undefined>;

export interface ClientOptions {
  /** What the user typed into the login form: an API key or a bearer token. */
  token: string;
  /** The API's origin; the page's own by default. */
  baseUrl?: string;
}

export type Client = ReturnType<typeof createClient>;

export function createClient(options: ClientOptions) {
  const base = options.baseUrl ?? window.location.origin;
  const authorization = `Bearer ${options.token}`;

  const url = (path: string, query: Query = {}) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined && value !== "") params.set(name, String(value));
    const search = params.toString();
    return `${base}/api/ai${path}${search ? `?${search}` : ""}`;
  };

  async function call<T>(method: "GET" | "POST" | "DELETE", path: string, schema: z.ZodType<T>, query?: Query) {
    let res: Response;
    try {
      res = await fetch(url(path, query), {
        method,
        headers: { authorization, accept: "application/json, application/problem+json" },
      });
    } catch (err) {
      throw new ConnectionError(err instanceof Error ? err.message : String(err));
    }
    if (!res.ok) throw await errorOf(res);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new ConnectionError(`${method} ${path} answered something unexpected`);
    return parsed.data;
  }

  return {
    me: () => call("GET", "/me/", MeView),
    listJobs: (q: JobQuery) => call("GET", "/jobs/", JobListView, { ...q }),
    getJob: (id: string) => call("GET", `/jobs/${encodeURIComponent(id)}/`, JobView),
    jobEvents: (id: string) => call("GET", `/jobs/${encodeURIComponent(id)}/events/`, JobEventList),
    jobUsage: (id: string) => call("GET", `/jobs/${encodeURIComponent(id)}/usage/`, JobUsageView),
    jobWebhooks: (id: string) => call("GET", `/jobs/${encodeURIComponent(id)}/webhooks/`, WebhookDeliveryListView),
    cancel: (id: string) => call("DELETE", `/jobs/${encodeURIComponent(id)}/`, JobView),
    retry: (id: string) => call("POST", `/jobs/${encodeURIComponent(id)}/retry/`, JobView),
    queues: () => call("GET", "/queues/", QueueStatsListView),
    queueHistory: () => call("GET", "/queues/history/", QueueHistoryView),
    deadLetters: (q: { queue?: string | undefined; cursor?: string | undefined }) =>
      call("GET", "/admin/dead-letters/", DeadLetterList, { ...q }),
    replay: (seq: number) => call("POST", `/admin/dead-letters/${seq}/replay/`, JobView),
    schedules: () => call("GET", "/schedules/", ScheduleListView),
    usage: (q: { since?: string; until?: string }) => call("GET", "/usage/", TenantUsageView, q),
    /**
     * The jobs' SSE events (`all: true`: every job of the tenant, live), over fetch with the Authorization header,
     * resuming with Last-Event-ID after a broken connection. Ends when the signal aborts.
     */
    watch: (scope: { all: true } | { jobIds: string[] }, signal: AbortSignal): AsyncIterable<StreamEvent> =>
      streamEvents(
        {
          url: "all" in scope ? url("/jobs/stream/", { all: 1 }) : streamUrl(url("/jobs/stream/"), scope.jobIds),
          authorization,
          errorOf,
        },
        signal,
      ),
  };
}

function streamUrl(base: string, jobIds: string[]): string {
  const params = new URLSearchParams();
  for (const id of jobIds) params.append("job_id", id);
  params.set("follow", "1");
  return `${base}?${params}`;
}

async function errorOf(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get("retry-after") ?? Number.NaN);
  const problem = Problem.safeParse(await res.json().catch(() => undefined));
  return new ApiError(
    res.status,
    problem.success ? problem.data.code : `HTTP_${res.status}`,
    problem.success ? (problem.data.detail ?? problem.data.title) : res.statusText || undefined,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}
