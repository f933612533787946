import { z } from "zod";
import { type JobEvent, ProgressData } from "./events.js";
import { JobStatus } from "./job.js";

/**
 * The four SSE messages (docs/API.md, "SSE"), as schemas for the API description (the gateway's OpenAPI document):
 * each is sent as `id: <JOB_EVENTS sequence>`, `event: <name>` and `data: <JSON>` lines. `toSseMessages` makes them.
 */
const sseMessage = <E extends string, D extends z.ZodType>(event: E, data: D, description: string) =>
  z.object({ id: z.string(), event: z.literal(event), data }).meta({ description });
export const SseMetaMessage = sseMessage(
  "meta",
  z.object({ job_id: z.string(), status: JobStatus }),
  "The job's status changed (queued, running, retrying, or terminal).",
);
export const SseProgressMessage = sseMessage(
  "progress",
  ProgressData.extend({ job_id: z.string() }),
  "Progress of a running job (`pct`, `step`, `message`); a plan generation's messages carry `partial` content.",
);
export const SseResultMessage = sseMessage(
  "result",
  z.looseObject({ job_id: z.string() }),
  "The job succeeded: its result (`plan_id`, `task_ids`, `document_id`, `export_id`… by job type).",
);
export const SseErrorMessage = sseMessage(
  "error",
  z.object({ job_id: z.string(), code: z.string().optional(), message: z.string() }),
  "The job failed for good: its stable error code and message.",
);
export const SseMessageSchema = z.discriminatedUnion("event", [
  SseMetaMessage,
  SseProgressMessage,
  SseResultMessage,
  SseErrorMessage,
]);
/** The SSE event names and shapes: what `toSseMessages` makes is checked against the schemas by this type. */
export type SseMessage = z.infer<typeof SseMessageSchema>;

/**
 * Maps one JOB_EVENTS message to the SSE messages a client sees. Every message gets the stream sequence
 * as its id, so a client resuming with Last-Event-ID skips all the messages of that event together.
 */
export function toSseMessages(event: JobEvent, seq: number): SseMessage[] {
  const id = String(seq);
  const job_id = event.jobId;
  switch (event.kind) {
    case "queued":
      return [{ event: "meta", id, data: { job_id, status: "queued" } }];
    case "started":
      return [{ event: "meta", id, data: { job_id, status: "running" } }];
    case "progress":
      return [{ event: "progress", id, data: { job_id, ...event.data } }];
    case "log":
      return [{ event: "progress", id, data: { job_id, message: event.data.message } }];
    case "retrying":
      return [
        { event: "meta", id, data: { job_id, status: "retrying" } },
        { event: "progress", id, data: { job_id, step: "retrying", message: event.data.error.message } },
      ];
    case "succeeded":
      return [
        { event: "result", id, data: { ...event.data.result, job_id } },
        { event: "meta", id, data: { job_id, status: "succeeded" } },
      ];
    case "failed":
      return [
        { event: "error", id, data: { job_id, code: event.data.error.code, message: event.data.error.message } },
        { event: "meta", id, data: { job_id, status: "failed" } },
      ];
    case "cancelled":
      return [{ event: "meta", id, data: { job_id, status: "cancelled" } }];
  }
}

/** Serialises one message in the text/event-stream format. */
export function formatSse(message: SseMessage): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}
