import { ERROR_CODES, type ErrorCode } from "@ai-jobs/contracts";
import { schemaRef } from "./schemas.js";

/** The error statuses the gateway answers, each as an RFC 9457 problem (`application/problem+json`). */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 422, 429, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

interface StatusDoc {
  description: string;
  codes: readonly ErrorCode[];
  /** `always`: the answer carries Retry-After; `sometimes`: in the cases the description names. */
  retryAfter?: "always" | "sometimes";
  wwwAuthenticate?: true;
}

/** What each status means on any route; an operation may say more about it (operations.ts). */
export const STATUS_DOCS: Readonly<Record<ErrorStatus, StatusDoc>> = {
  400: {
    description:
      "The request is invalid: a path, query or body value fails its schema, an unknown field or parameter, " +
      "malformed JSON, a NUL character anywhere, a malformed path; `errors` names each failing field.",
    codes: [ERROR_CODES.validationFailed],
  },
  401: {
    description:
      "No credentials, or credentials refused for any reason (malformed, expired, bad signature, revoked or " +
      'unknown API key): `WWW-Authenticate: Bearer realm="ai-jobs"`, with `error="invalid_token"` when some were sent.',
    codes: [ERROR_CODES.unauthorized],
    wwwAuthenticate: true,
  },
  403: {
    description: "The caller's role may not do this (checked before the body is read: nothing is written).",
    codes: [ERROR_CODES.forbidden],
  },
  404: {
    description: "Not found in the caller's tenant (another tenant's resource answers the same).",
    codes: [ERROR_CODES.notFound],
  },
  409: {
    description: "The request conflicts with the resource's state.",
    codes: [ERROR_CODES.conflict],
    retryAfter: "sometimes",
  },
  413: {
    description: "The body is over its limit (256 KiB of JSON; an upload over `UPLOAD_MAX_BYTES`).",
    codes: [ERROR_CODES.payloadTooLarge],
  },
  415: {
    description: "The body's content type is not one this route takes.",
    codes: [ERROR_CODES.unsupportedMediaType],
  },
  422: {
    description: "This `Idempotency-Key` was already used with a different request.",
    codes: [ERROR_CODES.idempotencyKeyReused],
  },
  429: {
    description:
      "A limit was reached: `RATE_LIMITED` is the tenant's or the caller's request rate (`RATE_LIMIT_*`, counted " +
      "before the body is read); the detail names the limit. `Retry-After` says when to try again.",
    codes: [ERROR_CODES.rateLimited],
    retryAfter: "always",
  },
  503: {
    description:
      "Not accepted, nothing was done: the gateway sheds load (`Retry-After: 1`), the database is unreachable " +
      "(`Retry-After: 2`), or the route's own dependency is unavailable (see the operation).",
    codes: [ERROR_CODES.serviceUnavailable],
    retryAfter: "always",
  },
};

/** What a limit code means, for a 429 that can carry it. */
export const LIMIT_DOCS: Readonly<Partial<Record<ErrorCode, string>>> = {
  [ERROR_CODES.tenantQueueFull]:
    "`TENANT_QUEUE_FULL`: the tenant has its cap of jobs waiting or running in this queue and priority " +
    "(`JOBS_MAX_PER_TENANT`; `Retry-After: 5`).",
  [ERROR_CODES.budgetExceeded]:
    "`BUDGET_EXCEEDED`: the tenant spent its daily LLM token budget (`LLM_DAILY_TOKEN_BUDGET`; `Retry-After` " +
    "until the UTC day ends).",
  [ERROR_CODES.quotaExceeded]:
    "`QUOTA_EXCEEDED`: the tenant stores its byte quota or holds its cap of API keys (`Retry-After: 3600`).",
};

export const HEADER_REFS = {
  requestId: { $ref: "#/components/headers/X-Request-Id" },
} as const;

/** The names of the shared error responses (`#/components/responses/<name>`). */
const RESPONSE_NAMES: Readonly<Record<ErrorStatus, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
  422: "IdempotencyKeyReused",
  429: "TooManyRequests",
  503: "ServiceUnavailable",
};

/** An error status's answer as it is on any route, with `codes` its problem's possible codes. */
function problemAnswer(status: ErrorStatus, description: string, codes: readonly ErrorCode[]) {
  const doc = STATUS_DOCS[status];
  const headers: Record<string, unknown> = { "X-Request-Id": HEADER_REFS.requestId };
  if (doc.retryAfter) {
    headers["Retry-After"] = {
      description: "Seconds to wait before trying again.",
      required: doc.retryAfter === "always",
      schema: { type: "integer", minimum: 1 },
    };
  }
  if (doc.wwwAuthenticate) {
    headers["WWW-Authenticate"] = {
      description:
        'The challenge: `Bearer realm="ai-jobs"`, plus `error="invalid_token"` when a credential was refused.',
      required: true,
      schema: { type: "string" },
    };
  }
  return {
    description,
    headers,
    content: {
      "application/problem+json": {
        schema: {
          allOf: [
            schemaRef("Problem"),
            { type: "object", properties: { status: { const: status }, code: { enum: [...codes] } } },
          ],
        },
      },
    },
  };
}

/** The shared error responses, one per status, for `components.responses`. */
export function problemComponents(): Record<string, ReturnType<typeof problemAnswer>> {
  return Object.fromEntries(
    ERROR_STATUSES.map((status) => [
      RESPONSE_NAMES[status],
      problemAnswer(status, STATUS_DOCS[status].description, STATUS_DOCS[status].codes),
    ]),
  );
}

export type ProblemResponse = ReturnType<typeof problemAnswer> | { $ref: string };

/**
 * One error status's answer on one operation: the shared response, or, when the operation says more about it
 * (`detail`) or its problem may carry more codes (a 429's limits), its own.
 */
export function problemResponse(
  status: ErrorStatus,
  detail: string | undefined,
  extraCodes: readonly ErrorCode[],
): ProblemResponse {
  const doc = STATUS_DOCS[status];
  if (detail === undefined && extraCodes.length === 0)
    return { $ref: `#/components/responses/${RESPONSE_NAMES[status]}` };
  const limits = extraCodes.map((code) => LIMIT_DOCS[code]).filter((text) => text !== undefined);
  return problemAnswer(status, [detail ?? doc.description, ...limits].join(" "), [...doc.codes, ...extraCodes]);
}
