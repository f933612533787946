import { ERROR_CODES, problem } from "@ai-jobs/contracts";
import { sendProblem } from "@ai-jobs/runtime";
import underPressure from "@fastify/under-pressure";
import type { FastifyInstance, FastifyReply } from "fastify";
import fp from "fastify-plugin";

export interface LoadSheddingOptions {
  /** Event-loop delay (ms, sampled every `SAMPLE_MS`) above which requests are refused; 0 turns it off. */
  maxEventLoopDelayMs: number;
  /** Requests in progress above which a new one is refused; 0 turns it off. */
  maxInFlight: number;
}

/** How often the event-loop delay is sampled: a spike is acted on within this long. */
const SAMPLE_MS = 100;
/** What an overloaded gateway tells clients to wait; the overload passes in seconds or the client backs off. */
const RETRY_AFTER_S = 1;

const overloaded = (reply: FastifyReply, detail: string) =>
  sendProblem(reply, problem(503, ERROR_CODES.serviceUnavailable, detail), { "retry-after": String(RETRY_AFTER_S) });

/**
 * Sheds load instead of queueing it: past capacity, a request is answered 503 with `Retry-After` at once, before any
 * work, so clients see a fast refusal rather than a timeout or a reset socket, and the requests already accepted
 * keep their latency. Two signals: the event loop falling behind (`@fastify/under-pressure`), and the number of
 * requests in progress (they pile up when NATS or MongoDB slow down, while the event loop stays idle). The probes
 * (routes marked `public`) are never shed: an orchestrator must still see the replica. (`/metrics` is on the
 * internal listener, which is not shed at all.)
 */
export const loadSheddingPlugin = fp<LoadSheddingOptions>(
  async (app: FastifyInstance, opts) => {
    let inFlight = 0;
    const isPublic = (config: unknown) => (config as { public?: boolean } | undefined)?.public === true;

    if (opts.maxEventLoopDelayMs > 0) {
      await app.register(underPressure, {
        maxEventLoopDelay: opts.maxEventLoopDelayMs,
        sampleInterval: SAMPLE_MS,
        pressureHandler: (request, reply, type, value) => {
          // A public route (the probes) is served whatever the load: not sending goes on as usual.
          if (isPublic(request.routeOptions.config)) return;
          request.log.warn({ type, value }, "shedding load: event loop delayed");
          overloaded(reply, "the service is overloaded; retry shortly");
        },
      });
    }
    if (opts.maxInFlight > 0) {
      app.addHook("onRequest", async (request, reply) => {
        if (isPublic(request.routeOptions.config)) return;
        if (inFlight >= opts.maxInFlight) {
          return overloaded(reply, "too many requests in progress; retry shortly");
        }
        inFlight += 1;
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          inFlight -= 1;
        };
        reply.raw.once("finish", release);
        reply.raw.once("close", release);
      });
    }
  },
  { name: "load-shedding" },
);
