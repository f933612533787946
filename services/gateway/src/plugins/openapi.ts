import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { openApiOptions } from "../openapi/document.js";

export const OPENAPI_PATH = "/api/ai/openapi.json";
export const DOCS_PREFIX = "/docs";

/**
 * The page at /docs runs Swagger UI's own scripts and styles, served from here (no CDN), and fetches the document
 * from here; nothing else. The API's `default-src 'none'` stays on every other answer. The style hash is the one
 * `<style>` Swagger UI's bundle inserts (as Chromium reports it when refused); a new bundle with another one only
 * costs that style and a console warning.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The OpenAPI 3.1 document at `GET /api/ai/openapi.json`, generated from the routes' zod schemas (openapi/), and
 * Swagger UI at `/docs`. Both need no token: the API's shape is no secret (the project is open source and the
 * document is committed as docs/openapi.json), it holds no tenant's data, and a browser opening /docs sends no
 * bearer token. Register before the routes: `@fastify/swagger` collects them as they are added.
 */
export const openApiPlugin = fp(
  async (app) => {
    await app.register(swagger, openApiOptions());
    app.get(OPENAPI_PATH, { config: { public: true } }, async (_request, reply) =>
      reply.type("application/json").send(app.swagger()),
    );
    await app.register(docsPage);
  },
  { name: "openapi" },
);

/** Swagger UI in a scope of its own, where every route is public and answers with the docs page's CSP. */
async function docsPage(app: FastifyInstance): Promise<void> {
  app.addHook("onRoute", (route) => {
    route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, tryItOutEnabled: false },
    theme: { title: "ai-jobs API" },
  });
}
