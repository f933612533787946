import type { ZodError } from "zod";
import { ERROR_CODES, type ErrorCode } from "./errors.js";
import type { Problem } from "./http.js";

export type FieldError = { field: string; message: string };

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The stable code of an HTTP status, for errors that carry only a status. */
export const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ERROR_CODES.validationFailed,
  401: ERROR_CODES.unauthorized,
  403: ERROR_CODES.forbidden,
  404: ERROR_CODES.notFound,
  409: ERROR_CODES.conflict,
  413: ERROR_CODES.payloadTooLarge,
  415: ERROR_CODES.unsupportedMediaType,
  422: ERROR_CODES.idempotencyKeyReused,
  503: ERROR_CODES.serviceUnavailable,
};

/**
 * An RFC 9457 problem as every service answers it: `type` is `urn:ai-jobs:problem:<code in kebab case>`, `title`
 * the status phrase, `code` our stable error code, and `errors` the failing fields, if any.
 */
export function problem(status: number, code: ErrorCode | string, detail: string, errors?: FieldError[]): Problem {
  return {
    type: `urn:ai-jobs:problem:${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** One field error per zod issue; an unknown key is named on its own; `prefix` names where the value came from. */
export function fieldErrors(err: ZodError, prefix?: string): FieldError[] {
  return err.issues.flatMap((issue) => {
    const at = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: [...at, key].join("."), message: "unknown field" }));
    }
    return [{ field: at.length > 0 ? at.join(".") : "body", message: issue.message }];
  });
}

/** A 400 naming every failing field. */
export function validationProblem(err: ZodError, prefix?: string): Problem {
  const errors = fieldErrors(err, prefix);
  const detail = `the request is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`;
  return problem(400, ERROR_CODES.validationFailed, detail, errors);
}
