import type { JobEvent } from "./events.js";
import type { JobStatus } from "./job.js";

/** The SSE event names and shapes (docs/API.md, "SSE"). */
export type SseMessage =
  | { event: "meta"; id: string; data: { job_id: string; status: JobStatus } }
  | { event: "progress"; id: string; data: { job_id: string; pct?: number; step?: string; message: string } }
  | { event: "result"; id: string; data: { job_id: string } & Record<string, unknown> }
  | { event: "error"; id: string; data: { job_id: string; code?: string; message: string } };

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
