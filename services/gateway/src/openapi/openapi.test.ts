/**
 * The gateway's OpenAPI document, generated from an app built without servers (generate.ts): a valid OpenAPI 3.1
 * document, describing every route the app registers (read as the fuzz test reads them) with its methods, every
 * error as a problem with the headers it carries, and identical to the committed docs/openapi.json. That each
 * documented answer really occurs is routes/openapi.test.ts's business.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, routeKey, routesOf } from "@ai-jobs/testkit";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_ROUTES } from "../../test/fuzz-routes.js";
import { OPENAPI_FILE, openApiFileText } from "./file.js";
import { buildDescribedApp } from "./generate.js";

/**
 * Registered routes the document leaves out, on purpose: those that need no credentials (the preflight, the probes,
 * the dashboard's files, Swagger UI's page and assets, where `/docs*` is @fastify/static's `/docs/static/*` as
 * routesOf reads it and `/docs/json`, `/docs/yaml` serve this same document), but for the document itself.
 */
const UNDESCRIBED = new Set([...PUBLIC_ROUTES].filter((route) => route !== "GET /api/ai/openapi.json"));

interface Response {
  $ref?: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  responses: Record<string, Response>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, Response> };
}

let app: FastifyInstance;
let doc: Document;

beforeAll(async () => {
  app = await buildDescribedApp();
  doc = app.swagger() as unknown as Document;
});

afterAll(async () => {
  await app?.close();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );
const resolve = (response: Response): Response =>
  response.$ref ? (doc.components.responses[response.$ref.split("/").at(-1) ?? ""] ?? {}) : response;

describe("the gateway's OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    // The validator dereferences the document it is given in place.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it("describes every route the app registers, with its methods, but the probes and /docs' own", () => {
    const registered = routesOf(app)
      .map(routeKey)
      .filter((key) => !UNDESCRIBED.has(key));
    const described = operations().map(({ key }) => key.replace(/\{([^}]+)\}/g, ":$1"));
    expect(registered.length).toBeGreaterThan(25);
    expect(described.sort()).toEqual(registered.sort());
    // Every exclusion is a route the app does register: none outlives its route.
    const all = routesOf(app).map(routeKey);
    expect([...UNDESCRIBED].filter((key) => !all.includes(key))).toEqual([]);
  });

  it("describes each error as a problem+json with Retry-After on 429 and 503, and credentials on all but itself", () => {
    for (const { key, op } of operations()) {
      const statuses = Object.keys(op.responses);
      if (key === "GET /api/ai/openapi.json") {
        expect(op.security, key).toEqual([]);
        continue;
      }
      // The document's default is the bearer token; an operation may take another credential besides.
      expect(JSON.stringify(op.security ?? doc.security), key).toContain('{"bearer":[]}');
      expect(statuses, key).toEqual(expect.arrayContaining(["400", "401", "429", "503"]));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const response = resolve(op.responses[status] ?? {});
        expect(Object.keys(response.content ?? {}), `${key} ${status}`).toContain("application/problem+json");
        expect(response.headers?.["X-Request-Id"], `${key} ${status}`).toBeDefined();
        if (status === "429" || status === "503") {
          expect(response.headers?.["Retry-After"]?.required, `${key} ${status}`).toBe(true);
        }
      }
    }
  });

  it("takes the stream token on the SSE route only, and describes its four events", () => {
    const withToken = operations().filter(({ op }) => JSON.stringify(op.security ?? []).includes("streamToken"));
    expect(withToken.map(({ key }) => key)).toEqual(["GET /api/ai/jobs/stream"]);
    const sse = withToken[0]?.op.responses["200"]?.content?.["text/event-stream"];
    expect(sse?.schema).toMatchObject({ $ref: "#/components/schemas/SseMessage" });
    const schemas = (doc.components as unknown as { schemas: Record<string, unknown> }).schemas;
    expect(JSON.stringify(schemas.SseMessage)).toMatch(
      /SseMetaMessage.*SseProgressMessage.*SseResultMessage.*SseError/,
    );
  });

  it(`is what ${OPENAPI_FILE} holds (npm run openapi writes it)`, async () => {
    const committed = readFileSync(join(repoRoot(), OPENAPI_FILE), "utf8");
    expect(committed, `${OPENAPI_FILE} is stale: run npm run openapi`).toBe(await openApiFileText());
  });
});
