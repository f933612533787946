import { MAX_STREAM_JOBS, UploadFields } from "@ai-jobs/contracts";
import { z } from "zod";
import { schemaRef } from "./schemas.js";

/**
 * The parts of the document that no route schema gives: routes whose body is a stream (the multipart upload), whose
 * answer is a file (an export, this document) or an event stream (SSE, proxied to the events service, which
 * validates its query), and the 204 of a revocation. Written by hand, kept next to what they describe by the test
 * that each route's answers occur (services/gateway/src/routes/openapi.test.ts).
 */
export interface HandWritten {
  parameters?: unknown[];
  requestBody?: unknown;
  /** The success answers; they replace the generated ones. */
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
  description?: string;
}

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const UPLOAD_KINDS = [
  "application/pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "text/html",
  "text/markdown",
  "text/plain",
];
const FLAG = { type: "string", enum: ["0", "1", "false", "true"] };
const JOB_ID = { type: "string", pattern: "^[A-Za-z0-9_-]{1,128}$" };
const SEQUENCE = { type: "string", pattern: "^\\d+$" };

/** The form fields next to the file, from the schema the upload checks them with. */
function uploadFields(): Record<string, unknown> {
  const json = z.toJSONSchema(UploadFields, { io: "input", target: "draft-2020-12" }) as {
    properties?: Record<string, unknown>;
  };
  return json.properties ?? {};
}

const stream: HandWritten = {
  description:
    "Server-sent events of one or more jobs of the caller's tenant (`job_id`, repeated, up to " +
    `${MAX_STREAM_JOBS}), or of all of them (\`all=1\`), served by the events service through the gateway. Each ` +
    "message is `id: <JOB_EVENTS sequence>`, `event: meta|progress|result|error` and `data: <JSON>` lines " +
    "(`SseMessage`); a `: keep-alive` comment comes every 15 s. The history is replayed first, then the jobs are " +
    "followed live; the stream ends once every job is finished (unless `follow=1`; `all=1` never ends). Reconnect " +
    "with `Last-Event-ID` (browsers do) to resume with no gap and no duplicate on any replica. A client too slow to " +
    "read is closed with a `retry: 2000` line. Takes a bearer token, or, for an EventSource that cannot send " +
    "headers, a stream token as `?token=` (`POST /jobs/stream-token/`).",
  security: [{ bearer: [] }, { streamToken: [] }],
  parameters: [
    {
      name: "job_id",
      in: "query",
      description: "A job to follow; repeat it for more. Required unless `all=1`, refused with it.",
      schema: { type: "array", items: JOB_ID, minItems: 1, maxItems: MAX_STREAM_JOBS },
      style: "form",
      explode: true,
    },
    { name: "all", in: "query", description: "Follow every job of the tenant, live from now.", schema: FLAG },
    { name: "follow", in: "query", description: "Keep a `job_id` stream open after its jobs finish.", schema: FLAG },
    {
      name: "last_event_id",
      in: "query",
      description: "Resume after this message id, for clients that cannot send `Last-Event-ID`.",
      schema: SEQUENCE,
    },
    {
      name: "Last-Event-ID",
      in: "header",
      description: "Resume after this message id (the `id:` of the last message received).",
      schema: SEQUENCE,
    },
  ],
  responses: {
    200: {
      description: "The event stream (`text/event-stream`): every message is one `SseMessage`.",
      headers: { "Cache-Control": { schema: { type: "string", const: "no-cache" } } },
      content: {
        "text/event-stream": {
          schema: { ...schemaRef("SseMessage"), description: "One message of the stream (its `data:` is JSON)." },
        },
      },
    },
    204: { description: "Nothing is owed: every job had finished and its events were sent. An EventSource stops." },
  },
};

const upload: HandWritten = {
  requestBody: {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object",
          required: ["file"],
          properties: {
            file: {
              type: "string",
              format: "binary",
              description: "The one file: PDF, DOCX, HTML, Markdown or plain text, at most `UPLOAD_MAX_BYTES`.",
            },
            document_id: {
              type: "string",
              minLength: 1,
              maxLength: 64,
              description: "Replace the file of this document of the plan (re-ingested under the same id).",
            },
            ...uploadFields(),
          },
          additionalProperties: false,
        },
        encoding: { file: { contentType: UPLOAD_KINDS.join(", ") } },
      },
    },
  },
};

const exportFile: HandWritten = {
  responses: {
    200: {
      description: "The export file, as an attachment.",
      headers: {
        "Content-Disposition": {
          description: "`attachment` with the file's name (ASCII fallback and RFC 8187 `filename*`).",
          schema: { type: "string" },
        },
        "Content-Length": { schema: { type: "integer" } },
      },
      content: { [XLSX]: { schema: { type: "string", format: "binary" } } },
    },
  },
};

/** Hand-written parts by operation (method and path as the document writes them). */
export const HAND_WRITTEN: Readonly<Record<string, HandWritten>> = {
  "GET /api/ai/jobs/stream": stream,
  "POST /api/ai/study-plans/{id}/materials": upload,
  "GET /api/ai/exports/{export_id}": exportFile,
  "DELETE /api/ai/api-keys/{key_id}": { responses: { 204: { description: "Revoked (or revoked already)." } } },
  "GET /api/ai/openapi.json": {
    security: [],
    responses: {
      200: {
        description: "This document (OpenAPI 3.1).",
        content: { "application/json": { schema: { type: "object" } } },
      },
    },
  },
};
