/** Test support (not built): the events HTTP app over a harness, and serving it on a free port. */
import { createApiKeyVerifier, createAuthenticator, createStreamTokens, mongoCheck, natsCheck } from "@ai-jobs/runtime";
import type { FastifyInstance } from "fastify";
import { type AppDeps, buildApp } from "../app.js";
import type { Harness } from "./harness.js";

/** The events app wired to the harness's service context; `overrides` replace single dependencies. */
export function eventsAppOf(h: Harness, overrides: Partial<AppDeps> = {}): FastifyInstance {
  return buildApp({
    log: h.ctx.log,
    authenticator: createAuthenticator(h.config, {
      apiKeys: createApiKeyVerifier({
        keys: h.ctx.mongo.collections.apiKeys,
        uses: h.ctx.mongo.collections.apiKeyUses,
      }),
    }),
    ...(h.config.STREAM_TOKEN_SECRET
      ? { streamTokens: createStreamTokens(h.config.STREAM_TOKEN_SECRET, h.config.STREAM_TOKEN_TTL_S) }
      : {}),
    jobs: h.reader,
    nats: h.ctx.nats,
    keepAliveMs: h.config.SSE_KEEPALIVE_MS,
    readiness: { nats: natsCheck(h.ctx.nats.nc), mongo: mongoCheck(h.ctx.mongo.db) },
    draining: () => false,
    ...overrides,
  });
}

/** The events app of `eventsAppOf`, listening on a free loopback port until the harness closes; and its base URL. */
export async function serveEventsApp(
  h: Harness,
  overrides: Partial<AppDeps> = {},
): Promise<{ app: FastifyInstance; base: string }> {
  const app = eventsAppOf(h, overrides);
  h.onClose(() => app.close());
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("app is not listening on a port");
  return { app, base: `http://127.0.0.1:${address.port}` };
}
