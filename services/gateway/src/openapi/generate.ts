import { createIdGenerator, createLogger, loadConfig } from "@ai-jobs/runtime";
import type { FastifyInstance } from "fastify";
import { type AppDeps, buildApp } from "../app.js";
import { configShape } from "../config.js";

/**
 * A stand-in for a connection the app is built with but never uses while it only describes itself: any property of
 * it, and anything a call of it returns, is another stand-in (not a promise: `then` is undefined). Building the app
 * makes repositories and handles over the connections (`db.collection(…)`); no request is ever served.
 */
function unconnected(): never {
  const handler: ProxyHandler<() => void> = {
    get: (_target, key) => (key === "then" ? undefined : unconnected()),
    apply: () => unconnected(),
  };
  return new Proxy(() => undefined, handler) as never;
}

/**
 * The settings the document is generated with: every route the gateway can serve is registered (the stream token
 * route needs STREAM_TOKEN_SECRET), whatever a deployment sets.
 */
const ENV = {
  AUTH_TOKENS: "openapi:openapi:viewer",
  STREAM_TOKEN_SECRET: "generating-the-openapi-document-only!",
  LOG_LEVEL: "silent",
};

/**
 * The gateway app built on stand-ins for NATS and MongoDB, to describe itself: no server is started or reached, and
 * it must serve no request. Close it when done.
 */
export async function buildDescribedApp(): Promise<FastifyInstance> {
  const deps: AppDeps = {
    config: loadConfig(configShape, ENV),
    log: createLogger({ service: "gateway", instanceId: "openapi", level: "silent" }),
    messaging: unconnected(),
    events: unconnected(),
    nats: unconnected(),
    mongo: unconnected(),
    ids: createIdGenerator(),
  };
  const app = await buildApp(deps);
  await app.ready();
  return app;
}

/** The gateway's OpenAPI document, as the app serves it at /api/ai/openapi.json; `npm run openapi` commits it. */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = await buildDescribedApp();
  try {
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
