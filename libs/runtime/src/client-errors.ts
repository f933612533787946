import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { ERROR_CODES, problem } from "@ai-jobs/contracts";

const DETAILS: Readonly<Record<number, string>> = {
  408: "the request took too long to arrive",
  431: "the request's URL and headers are over the server's size limit (16 KiB)",
  400: "the request is not valid HTTP",
};

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any route or hook runs (a URL and headers
 * past its 16 KiB limit, bytes that are not HTTP, a request too slow to arrive) gets a problem+json like every other
 * refusal, where Fastify's default answers plain JSON. The connection is closed after it, as Node does.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has no one to answer.
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const p = problem(status, ERROR_CODES.validationFailed, DETAILS[status] ?? "bad request");
  const body = JSON.stringify({ ...p, title: STATUS_CODES[status] ?? p.title });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
