import { ERROR_CODES, type ErrorCode, type FieldError, validationProblem } from "@ai-jobs/contracts";
import type { ZodError } from "zod";
import { wwwAuthenticate } from "./auth/authenticator.js";

/**
 * The one error type an HTTP service throws for an expected failure (its use cases, hooks and routes). It carries
 * the HTTP status and the stable code of the problem answer; its message is written for clients (the problems
 * plugin, `http-problems.ts`, shows it for any status).
 */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;

export const notFound = (what: string): AppError => new AppError(404, ERROR_CODES.notFound, `${what} not found`);

/** `missing`: no credentials; `invalid`: refused ones (RFC 6750 `error="invalid_token"`). */
export const unauthorized = (refused: "missing" | "invalid" = "missing"): AppError =>
  new AppError(401, ERROR_CODES.unauthorized, "a valid bearer token is required", {
    headers: { "www-authenticate": wwwAuthenticate(refused) },
  });

export const invalid = (field: string, message: string): AppError =>
  new AppError(400, ERROR_CODES.validationFailed, `${field}: ${message}`, { errors: [{ field, message }] });

/** A 400 naming every failing field of a zod parse; `prefix` names where the value came from (`Last-Event-ID`). */
export function invalidInput(err: ZodError, prefix?: string): AppError {
  const p = validationProblem(err, prefix);
  return new AppError(400, ERROR_CODES.validationFailed, p.detail ?? "", p.errors ? { errors: p.errors } : {});
}

export const forbidden = (message: string): AppError => new AppError(403, ERROR_CODES.forbidden, message);

export const conflict = (message: string, headers?: Record<string, string>): AppError =>
  new AppError(409, ERROR_CODES.conflict, message, headers ? { headers } : {});

export const idempotencyKeyReused = (): AppError =>
  new AppError(
    422,
    ERROR_CODES.idempotencyKeyReused,
    "this Idempotency-Key was already used with a different request; use a new key for a new request",
  );

export const payloadTooLarge = (message: string): AppError => new AppError(413, ERROR_CODES.payloadTooLarge, message);

export const unsupportedMediaType = (message: string): AppError =>
  new AppError(415, ERROR_CODES.unsupportedMediaType, message);

/** A limit of the caller's own (its tenant's share, not the platform's health) was reached: 429 with Retry-After. */
export const tooManyRequests = (
  code: ErrorCode,
  message: string,
  retryAfterSeconds: number,
  cause?: unknown,
): AppError => new AppError(429, code, message, { headers: { "retry-after": String(retryAfterSeconds) }, cause });

export const serviceUnavailable = (message: string, retryAfterSeconds: number, cause?: unknown): AppError =>
  new AppError(503, ERROR_CODES.serviceUnavailable, message, {
    headers: { "retry-after": String(retryAfterSeconds) },
    cause,
  });
