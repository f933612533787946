import { STATUS_CODES } from "node:http";
import { CODE_OF_STATUS, ERROR_CODES, type Problem, problem } from "@ai-jobs/contracts";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from "fastify-type-provider-zod";
import { ZodError } from "zod";
import { invalidInput, isAppError } from "./app-errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

interface ProblemWithHeaders {
  problem: Problem;
  headers: Record<string, string>;
}

/** Fastify and @fastify/multipart errors whose status we answer differently. */
const STATUS_BY_FASTIFY_CODE: Readonly<Record<string, number>> = {
  // A multipart route called with another content type.
  FST_INVALID_MULTIPART_CONTENT_TYPE: 415,
};

/** Driver errors that mean "MongoDB cannot be reached right now", not "this request is wrong". */
const MONGO_UNAVAILABLE = new Set([
  "MongoServerSelectionError",
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoNotConnectedError",
  "MongoTopologyClosedError",
]);

/**
 * The driver reports a batch insert that never reached the server (say, the connection refused) as a
 * `MongoBulkWriteError` with no write error of any document in it; batched writes (`createBatchedInserter`) see it.
 */
function isMongoUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (MONGO_UNAVAILABLE.has(err.name)) return true;
  if (err.name !== "MongoBulkWriteError") return false;
  const { writeErrors, code } = err as { writeErrors?: unknown; code?: unknown };
  return Array.isArray(writeErrors) && writeErrors.length === 0 && code === undefined;
}

export function sendProblem(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(p.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(p);
}

const isFastifyError = (err: unknown): err is FastifyError =>
  err instanceof Error && typeof (err as Partial<FastifyError>).code === "string";

/**
 * The zod issues of a request that failed its route's schema. The type provider reports each issue with its path as
 * a JSON pointer (`instancePath`) and its other fields as `params`; no field name of ours holds a `/`, and an unknown
 * key is in `params.keys`, so the issues come back as the handler's own parse reported them.
 */
function zodErrorOf(validation: readonly ZodFastifySchemaValidationError[]): ZodError {
  const issues = validation.map(({ keyword, instancePath, message, params }) => ({
    ...params,
    code: keyword,
    message,
    path: instancePath === "/" ? [] : instancePath.slice(1).split("/"),
  }));
  return new ZodError(issues as ConstructorParameters<typeof ZodError>[0]);
}

/** Maps any error to its problem answer. Only statuses below 500 show the error's own message. */
export function toProblem(err: unknown): ProblemWithHeaders {
  if (isAppError(err)) {
    const p = problem(err.status, err.code, err.message, err.extra.errors);
    // The shared builder knows the common statuses' phrases; any other (422) takes Node's.
    if (p.title === "Error") p.title = STATUS_CODES[err.status] ?? "Error";
    return { problem: p, headers: err.extra.headers ?? {} };
  }
  if (err instanceof ZodError) return toProblem(invalidInput(err));
  if (hasZodFastifySchemaValidationErrors(err)) return toProblem(invalidInput(zodErrorOf(err.validation)));
  if (isMongoUnavailable(err)) {
    return {
      problem: problem(503, ERROR_CODES.serviceUnavailable, "the database is unavailable; try again shortly"),
      headers: { "retry-after": "2" },
    };
  }
  if (isFastifyError(err)) {
    const status = STATUS_BY_FASTIFY_CODE[err.code] ?? err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = CODE_OF_STATUS[status] ?? ERROR_CODES.validationFailed;
      const errors =
        err.code.startsWith("FST_ERR_CTP_") && status === 400 ? [{ field: "body", message: err.message }] : [];
      return { problem: problem(status, code, err.message, errors), headers: {} };
    }
  }
  return { problem: problem(500, ERROR_CODES.internal, "an internal error occurred"), headers: {} };
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a path parameter past `maxParamLength`, one that is not
 * valid percent-encoding) are answered before any route or error handler; without this they are plain JSON.
 */
export function answerFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { problem: p, headers } = toProblem(err);
  request.log.info({ code: p.code, status: p.status }, "request rejected by the router");
  return sendProblem(reply, p, headers);
}

/**
 * The one error handler of the public HTTP services (gateway and events): every failure becomes an RFC 9457
 * `application/problem+json` answer with a stable code, and so does a path no route serves. Raise a problem by
 * throwing an `AppError` (app-errors.ts); a hook that must answer without throwing uses `sendProblem`. Server errors
 * are logged with the request id and never show their message. Register it before the routes.
 */
export const problemsPlugin = fp(
  async (app) => {
    app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const { problem: p, headers } = toProblem(err);
      if (p.status >= 500) request.log.error({ err, code: p.code }, "request failed");
      else request.log.info({ code: p.code, status: p.status, detail: p.detail }, "request rejected");
      return sendProblem(reply, p, headers);
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        reply,
        problem(404, ERROR_CODES.notFound, `no route for ${request.method} ${request.url.split("?")[0]}`),
      ),
    );
  },
  { name: "problems" },
);
