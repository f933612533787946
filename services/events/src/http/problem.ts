import { CODE_OF_STATUS, ERROR_CODES, type Problem, problem } from "@ai-jobs/contracts";
import type { FastifyInstance, FastifyReply } from "fastify";

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type("application/problem+json").send(JSON.stringify(body));
}

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
