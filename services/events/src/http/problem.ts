import { STATUS_CODES } from "node:http";
import { ERROR_CODES, type ErrorCode, type Problem } from "@ai-jobs/contracts";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { z } from "zod";

export type FieldError = { field: string; message: string };

/** An RFC 9457 problem: `about:blank` with the status phrase as title; our stable `code` says what went wrong. */
export function problem(status: number, code: ErrorCode, detail?: string, errors?: FieldError[]): Problem {
  return {
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Error",
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(errors === undefined ? {} : { errors }),
  };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type("application/problem+json").send(JSON.stringify(body));
}

/** A 400 naming every failing field, from a zod error. */
export function validationProblem(error: z.ZodError, prefix?: string): Problem {
  const errors = error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join("."),
    message: issue.message,
  }));
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return problem(400, ERROR_CODES.validationFailed, detail, errors);
}

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  401: ERROR_CODES.unauthorized,
  403: ERROR_CODES.forbidden,
  404: ERROR_CODES.notFound,
  409: ERROR_CODES.conflict,
  413: ERROR_CODES.payloadTooLarge,
  415: ERROR_CODES.unsupportedMediaType,
};

/** 404 and uncaught errors as problems. Only statuses below 500 show their message to clients. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(404, ERROR_CODES.notFound, `no route for ${request.method} ${request.url.split("?")[0]}`),
    ),
  );
  app.setErrorHandler((err, request, reply) => {
    const status =
      typeof err === "object" && err !== null && "statusCode" in err && typeof err.statusCode === "number"
        ? err.statusCode
        : 500;
    if (status >= 500) {
      request.log.error({ err }, "request failed");
      return sendProblem(reply, problem(500, ERROR_CODES.internal, "internal error"));
    }
    const message = err instanceof Error ? err.message : "bad request";
    return sendProblem(reply, problem(status, CODE_OF_STATUS[status] ?? ERROR_CODES.validationFailed, message));
  });
}
