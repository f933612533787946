import { STATUS_CODES } from "node:http";
import type { Access } from "../domain/access.js";
import { HAND_WRITTEN } from "./hand-written.js";
import { OPERATIONS, type OperationDoc } from "./operations.js";
import { type ErrorStatus, HEADER_REFS, problemResponse, STATUS_DOCS } from "./problems.js";

/** What the document needs to know of a route that its schema does not say. */
export interface RouteFacts {
  public: boolean;
  access: Access;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, Response | { $ref: string }>;
  security?: Record<string, string[]>[];
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}

/** What @fastify/swagger calls an answer it knows only by its schema. */
const GENERATED = "Default Response";
const IDEMPOTENCY_KEY = { $ref: "#/components/parameters/Idempotency-Key" };
const IDEMPOTENT_REPLAYED = { $ref: "#/components/headers/Idempotent-Replayed" };

/** The error statuses an operation answers: those of every route of its kind, and its own. */
export function errorStatusesOf(method: string, facts: RouteFacts, doc: OperationDoc): ErrorStatus[] {
  const own = Object.keys(doc.errors ?? {}).map((status) => Number(status) as ErrorStatus);
  // A public route is neither authenticated, counted nor shed: it answers only the errors it names.
  if (facts.public) return own;
  const statuses = new Set<ErrorStatus>([400, 401, 429, 503, ...own]);
  // Every role reads and follows streams; anything else some role may not do.
  if (facts.access !== "read" && facts.access !== "stream") statuses.add(403);
  // A POST's or a DELETE's body is parsed whatever the route: too large, or in a type no parser takes.
  if (method === "POST" || method === "DELETE") {
    statuses.add(413);
    statuses.add(415);
  }
  if (doc.idempotent) {
    statuses.add(409);
    statuses.add(422);
  }
  return [...statuses].sort((a, b) => a - b);
}

function errorDetail(status: ErrorStatus, doc: OperationDoc): string | undefined {
  const own = doc.errors?.[status];
  if (own !== undefined || !doc.idempotent) return own;
  if (status === 409) return "A request with this `Idempotency-Key` is still being processed (`Retry-After: 1`).";
  if (status === 400) return `${STATUS_DOCS[400].description} Or a malformed \`Idempotency-Key\`.`;
  return undefined;
}

/** Adds what the zod schemas cannot say to one operation: its names, credentials, errors and headers. */
export function decorateOperation(key: string, op: Operation, facts: RouteFacts): void {
  const doc = OPERATIONS[key];
  if (!doc) throw new Error(`${key} has no entry in services/gateway/src/openapi/operations.ts: add one`);
  const method = key.split(" ")[0] ?? "";
  const hand = HAND_WRITTEN[key] ?? {};
  op.operationId = doc.operationId;
  op.tags = [doc.tag];
  op.summary = doc.summary;
  const description = hand.description ?? doc.description;
  if (description !== undefined) op.description = description;
  if (facts.public) op.security = [];
  if (hand.security) op.security = hand.security;
  if (hand.parameters) op.parameters = [...(op.parameters ?? []), ...hand.parameters];
  if (hand.requestBody) op.requestBody = hand.requestBody;
  if (hand.responses) op.responses = structuredClone(hand.responses) as Record<string, Response>;
  if (doc.idempotent) op.parameters = [...(op.parameters ?? []), IDEMPOTENCY_KEY];

  for (const [status, response] of Object.entries(op.responses)) {
    if ("$ref" in response) continue;
    if (response.description === GENERATED) response.description = doc.answers?.[status] ?? STATUS_CODES[status] ?? "";
    response.headers = { "X-Request-Id": HEADER_REFS.requestId, ...response.headers };
    if (doc.idempotent && status.startsWith("2")) response.headers["Idempotent-Replayed"] = IDEMPOTENT_REPLAYED;
  }
  for (const status of errorStatusesOf(method, facts, doc)) {
    const existing = op.responses[status];
    const codes = status === 429 ? (doc.limits ?? []) : [];
    if (!existing || "$ref" in existing) {
      op.responses[status] = problemResponse(status, errorDetail(status, doc), codes);
      continue;
    }
    // A route's own answer under an error status (the health report's 503) stays beside the problem.
    const problem = problemResponse(status, errorDetail(status, doc) ?? STATUS_DOCS[status].description, codes);
    if ("$ref" in problem) throw new Error(`${key}: the ${status} problem must be written out`);
    op.responses[status] = {
      description: `${existing.description} Or: ${problem.description}`,
      headers: { ...problem.headers, ...existing.headers },
      content: { ...existing.content, ...problem.content },
    };
  }
}
