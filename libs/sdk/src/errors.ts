/** One failing field of a 400 (`errors` of the problem). */
export interface FieldError {
  field: string;
  message: string;
}

/** Every error the SDK throws, so that `catch (err) { if (err instanceof AiJobsError) … }` covers them all. */
export class AiJobsError extends Error {
  override name = "AiJobsError";
}

export interface ApiErrorFields {
  status: number;
  /** The problem's `type` URI (`urn:ai-jobs:problem:<code>`), or `about:blank` for an answer that was no problem. */
  type: string;
  title: string;
  /** Our stable error code (`NOT_FOUND`, `VALIDATION_FAILED`, `RATE_LIMITED`…; docs/API.md, "Errors"). */
  code: string;
  detail?: string | undefined;
  errors?: FieldError[] | undefined;
  instance?: string | undefined;
  /** `Retry-After`, in seconds, when the answer had one (429, 503, some 409s). */
  retryAfter?: number | undefined;
  /** The gateway's `X-Request-Id` of the call, to find it in the logs. */
  requestId?: string | undefined;
}

/**
 * The API answered with an error status: the RFC 9457 problem's fields, plus `Retry-After`. An answer that was not
 * problem+json (a proxy's 502 page, say) gets `type: "about:blank"` and the status's code.
 */
export class ApiError extends AiJobsError implements ApiErrorFields {
  override name = "ApiError";
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly code: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly instance: string | undefined;
  readonly retryAfter: number | undefined;
  readonly requestId: string | undefined;

  constructor(fields: ApiErrorFields) {
    super(`${fields.status} ${fields.code}: ${fields.detail ?? fields.title}`);
    this.status = fields.status;
    this.type = fields.type;
    this.title = fields.title;
    this.code = fields.code;
    this.detail = fields.detail;
    this.errors = fields.errors;
    this.instance = fields.instance;
    this.retryAfter = fields.retryAfter;
    this.requestId = fields.requestId;
  }
}

/** The API could not be reached, or a stream kept failing past its reconnection attempts. `cause` says why. */
export class ConnectionError extends AiJobsError {
  override name = "ConnectionError";
}

/**
 * The server answered something the SDK does not understand: a body that does not match the API's schema, or an
 * SSE event with malformed data. The client and the server disagree on the API (versions apart?).
 */
export class ResponseError extends AiJobsError {
  override name = "ResponseError";
  constructor(
    message: string,
    /** What was wrong, one line per issue. */
    readonly issues: string[] = [],
  ) {
    super(issues.length > 0 ? `${message}: ${issues.join("; ")}` : message);
  }
}
