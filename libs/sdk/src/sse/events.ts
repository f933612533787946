import { JobStatus, ProgressData } from "@ai-jobs/contracts";
import { z } from "zod";
import { ResponseError } from "../errors.js";
import { issuesOf } from "../validate.js";
import type { SseMessage } from "./parser.js";

/** A job's status changed (`queued`, `running`, `retrying`, and the terminal `succeeded`, `failed`, `cancelled`). */
export interface MetaEvent {
  type: "meta";
  /** The SSE id: the event's JOB_EVENTS sequence (messages of one job event share it). */
  id: string;
  job_id: string;
  status: JobStatus;
}

/** Progress of a running job; a plan generation's carry `partial` (the days drafted so far, docs/API.md "SSE"). */
export interface ProgressEvent {
  type: "progress";
  id: string;
  job_id: string;
  pct?: number | undefined;
  step?: string | undefined;
  message: string;
  partial?: Record<string, unknown> | undefined;
}

/** The job succeeded: its result (`plan_id`, `task_ids`, `document_id`, an export's `download_path`…). */
export interface ResultEvent {
  type: "result";
  id: string;
  job_id: string;
  result: Record<string, unknown>;
}

/**
 * The job failed: its error code and message. This is the API's SSE event named `error`, a job's failure, never a
 * connection problem (which the SDK turns into a reconnection, or a thrown `ConnectionError`).
 */
export interface JobErrorEvent {
  type: "error";
  id: string;
  job_id: string;
  code: string;
  message: string;
}

export type WatchEvent = MetaEvent | ProgressEvent | ResultEvent | JobErrorEvent;

const JobId = z.string().min(1);
const MetaData = z.object({ job_id: JobId, status: JobStatus });
const ProgressEventData = ProgressData.extend({ job_id: JobId });
const ResultData = z.looseObject({ job_id: JobId });
const ErrorData = z.object({ job_id: JobId, code: z.string().optional(), message: z.string() });

/** The code of a failure event that named none (the API always names one). */
export const UNKNOWN_ERROR_CODE = "UNKNOWN";

/**
 * The typed event of one SSE message: undefined for an event name this SDK does not know (a newer server's), which
 * is skipped as an EventSource listener would; a ResponseError for a known event with malformed data.
 */
export function toWatchEvent(message: SseMessage): WatchEvent | undefined {
  const id = message.id ?? "";
  switch (message.event) {
    case "meta": {
      const data = dataOf(MetaData, message);
      return { type: "meta", id, job_id: data.job_id, status: data.status };
    }
    case "progress": {
      const { job_id, ...progress } = dataOf(ProgressEventData, message);
      return { type: "progress", id, job_id, ...progress };
    }
    case "result": {
      const { job_id, ...result } = dataOf(ResultData, message);
      return { type: "result", id, job_id, result };
    }
    case "error": {
      const data = dataOf(ErrorData, message);
      return { type: "error", id, job_id: data.job_id, code: data.code ?? UNKNOWN_ERROR_CODE, message: data.message };
    }
    default:
      return undefined;
  }
}

function dataOf<T>(schema: z.ZodType<T>, message: SseMessage): T {
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch {
    throw new ResponseError(`the SSE event ${message.event} (id ${message.id}) holds no JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ResponseError(`the SSE event ${message.event} (id ${message.id}) is malformed`, issuesOf(parsed.error));
  }
  return parsed.data;
}
