import { validationProblem } from "@ai-jobs/contracts";
import Fastify, { type FastifyInstance } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { problemsPlugin } from "./http-problems.js";
import { useZodSchemas } from "./http-schemas.js";

const Body = z
  .object({ name: z.string().min(3), tags: z.array(z.string().max(2)).max(2).optional() })
  .strict()
  .superRefine((b, ctx) => {
    if (b.name === "nope") ctx.addIssue({ code: "custom", path: ["name"], message: "not that one" });
  });
const Query = z.object({ limit: z.coerce.number().int().min(1).default(5) }).strict();
const View = z.object({ name: z.string(), limit: z.number() });

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/things/:id",
    { schema: { params: z.object({ id: z.string() }), body: Body, querystring: Query, response: { 201: View } } },
    async (request, reply) => reply.code(201).send({ name: request.body.name, limit: request.query.limit }),
  );
  // A handler whose answer breaks its own response schema.
  app.get("/broken", { schema: { response: { 200: View } } }, async () => ({ name: 1 }) as never);
};

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  useZodSchemas(app);
  await app.register(problemsPlugin);
  await app.register(routes);
  await app.ready();
});
afterAll(() => app.close());

/** What the handler's own `Schema.parse(value)` answered before routes declared their schemas. */
const parsedByHand = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a failure");
  return validationProblem(parsed.error);
};

describe("zod route schemas", () => {
  it("validates, coerces and answers through the response schema", async () => {
    const res = await app.inject({ method: "POST", url: "/things/a?limit=7", payload: { name: "abc" } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: "abc", limit: 7 });
  });

  it.each<[string, unknown]>([
    ["a short name and an unknown key", { name: "a", colour: "red", other: 1 }],
    ["a nested array item", { name: "abc", tags: ["ok", "too long"] }],
    ["a refinement", { name: "nope" }],
    ["a body that is no object", [1, 2]],
    ["a JSON null", null],
  ])("refuses %s with the problem a hand parse gave", async (_name, body) => {
    const res = await app.inject({
      method: "POST",
      url: "/things/a",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(res.json()).toEqual(parsedByHand(Body, body));
  });

  it("reads a missing body as undefined, not as the JSON null", async () => {
    const res = await app.inject({ method: "POST", url: "/things/a" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(parsedByHand(Body, undefined));
    expect(res.json()).not.toEqual(parsedByHand(Body, null));
  });

  it("refuses a bad query with the problem a hand parse gave", async () => {
    const res = await app.inject({ method: "POST", url: "/things/a?limit=0&x=1", payload: { name: "abc" } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(parsedByHand(Query, { limit: "0", x: "1" }));
  });

  it("answers a 500 problem, without the details, when an answer breaks its schema", async () => {
    const res = await app.inject({ method: "GET", url: "/broken" });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: "INTERNAL", detail: "an internal error occurred" });
  });
});
