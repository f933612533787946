import { GeneratePlanResponse, STREAMS, SUBJECTS, UploadResponse } from "@ai-jobs/contracts";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, otherAuth, planBody, problemOf, startHarness } from "../../test/harness.js";
import { canonicalJson, parseIdempotencyKey, requestHash } from "./idempotency.js";

const QUEUE_LIMIT = 50;

const h = useHarness(() => startHarness({ JOBS_MAX_MSGS: String(QUEUE_LIMIT) }));
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const generate = (key: string | undefined, body: object = planBody(), headers: Record<string, string> = auth) =>
  app.inject({
    method: "POST",
    url: "/api/ai/study-plans/generate/",
    headers: key === undefined ? headers : { ...headers, "idempotency-key": key },
    payload: body,
  });

let keys = 0;
const freshKey = () => `key-${Date.now()}-${keys++}`;

describe("Idempotency-Key on POST /api/ai/study-plans/generate/", () => {
  it("a repeated request answers the same 202 and body with Idempotent-Replayed, and creates nothing", async () => {
    const key = freshKey();
    const first = await generate(key);
    expect(first.statusCode).toBe(202);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const created = GeneratePlanResponse.parse(first.json());
    const job = await h.readJob(created.job_id);
    expect(job?.idempotencyKey).toBe(key);
    expect(await h.ctx.mongo.collections.idempotencyKeys.findOne({ _id: `acme:${key}` })).toMatchObject({
      tenantId: "acme",
      jobId: created.job_id,
      requestHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const before = await h.counts();
    // The same request, keys in another order: the same canonical body.
    const body = planBody();
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await generate(key, reordered);
    expect(again.statusCode).toBe(202);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    expect(await h.counts()).toEqual(before);
  });

  it("the same key with a different request is a 422 IDEMPOTENCY_KEY_REUSED, and writes nothing", async () => {
    const key = freshKey();
    expect((await generate(key)).statusCode).toBe(202);
    const before = await h.counts();
    const res = await generate(key, planBody({ goal: "Learn statistics instead" }));
    expect(res.statusCode).toBe(422);
    expect(problemOf(res)).toMatchObject({
      status: 422,
      title: "Unprocessable Content",
      code: "IDEMPOTENCY_KEY_REUSED",
      type: "urn:ai-jobs:problem:idempotency-key-reused",
    });
    expect(await h.counts()).toEqual(before);
  });

  it("keys belong to a tenant: another tenant's request with the same key is a new job", async () => {
    const key = freshKey();
    const acme = GeneratePlanResponse.parse((await generate(key)).json());
    const globex = await generate(key, planBody(), otherAuth);
    expect(globex.statusCode).toBe(202);
    expect(globex.headers["idempotent-replayed"]).toBeUndefined();
    expect(GeneratePlanResponse.parse(globex.json()).job_id).not.toBe(acme.job_id);
  });

  for (const [name, key] of [
    ["an empty key", ""],
    ["a key over 200 characters", "k".repeat(201)],
    ["a key with a control character", "abc\tdef"],
  ] as const) {
    it(`answers 400 for ${name}, and writes nothing`, async () => {
      const before = await h.counts();
      const res = await generate(key);
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.field)).toEqual(["Idempotency-Key"]);
      expect(await h.counts()).toEqual(before);
    });
  }

  it("10 concurrent duplicates create exactly one job and one command; 9 are replays of it", async () => {
    const key = freshKey();
    const before = await h.counts();
    const answers = await Promise.all(Array.from({ length: 10 }, () => generate(key)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(202));
    const jobIds = new Set(answers.map((a) => GeneratePlanResponse.parse(a.json()).job_id));
    expect(jobIds.size).toBe(1);
    expect(answers.filter((a) => a.headers["idempotent-replayed"] === "true")).toHaveLength(9);

    const after = await h.counts();
    expect(after.plans).toBe(before.plans + 1);
    expect(after.jobsStream).toBe(before.jobsStream + 1);
    // One job announced: its `queued` event (the job's state of record; the record is projected from it).
    expect(after.eventsStream).toBe(before.eventsStream + 1);
    expect(after.idempotencyKeys).toBe(before.idempotencyKeys + 1);
    expect((await h.readJob([...jobIds][0] ?? ""))?.idempotencyKey).toBe(key);
  });

  it("frees the key when the job is refused (full queue, 503), so the client's retry creates the job", async () => {
    await h.ctx.nats.jsm.streams.purge(STREAMS.jobs);
    // Fill the queue with commands no one will read.
    for (let i = 0; i < QUEUE_LIMIT; i++) {
      await h.ctx.nats.js.publish(SUBJECTS.job("ai_generation", "low", "filler"), "{}");
    }
    const key = freshKey();
    const before = await h.counts();
    const refused = await generate(key);
    expect(refused.statusCode).toBe(503);
    expect((await h.counts()).idempotencyKeys).toBe(before.idempotencyKeys);

    await h.ctx.nats.jsm.streams.purge(STREAMS.jobs);
    const accepted = await generate(key);
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers["idempotent-replayed"]).toBeUndefined();
  });
});

describe("Idempotency-Key on POST /api/ai/study-plans/:id/materials/", () => {
  let planId: string;

  beforeAll(async () => {
    planId = GeneratePlanResponse.parse((await generate(undefined)).json()).id;
  });

  const form = (content: string, fields: Record<string, string> = {}) => {
    const body = new FormData();
    body.append("file", new Blob([content], { type: "text/markdown" }), "notes.md");
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    return body;
  };
  const upload = (key: string, payload: FormData) =>
    app.inject({
      method: "POST",
      url: `/api/ai/study-plans/${planId}/materials/`,
      headers: { ...auth, "idempotency-key": key },
      payload,
    });

  it("a repeated upload answers the first one's job, file and document, and keeps no second file", async () => {
    const key = freshKey();
    const first = await upload(key, form("# Vectors\n", { priority: "high" }));
    expect(first.statusCode).toBe(202);
    const created = UploadResponse.parse(first.json());

    const before = await h.counts();
    const again = await upload(key, form("# Vectors\n", { priority: "high" }));
    expect(again.statusCode).toBe(202);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(created);
    const after = await h.counts();
    // The repeated request's file was stored (its hash is needed) and deleted again: only a delete marker remains.
    expect({ ...after, objectStoreMessages: 0 }).toEqual({ ...before, objectStoreMessages: 0 });
  });

  it("another file, or other fields, under the same key is a 422", async () => {
    const key = freshKey();
    expect((await upload(key, form("# Vectors\n"))).statusCode).toBe(202);
    const before = await h.counts();
    for (const payload of [form("# Matrices\n"), form("# Vectors\n", { priority: "low" })]) {
      const res = await upload(key, payload);
      expect(res.statusCode).toBe(422);
      expect(problemOf(res).code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    expect({ ...(await h.counts()), objectStoreMessages: 0 }).toEqual({ ...before, objectStoreMessages: 0 });
  });
});

describe("request hashing", () => {
  it("is independent of key order at every level, and tells different inputs apart", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
    expect(requestHash("POST /x", { a: 1, b: 2 })).toBe(requestHash("POST /x", { b: 2, a: 1 }));
    expect(requestHash("POST /x", { a: 1 })).not.toBe(requestHash("POST /y", { a: 1 }));
    expect(requestHash("POST /x", { a: 1 })).not.toBe(requestHash("POST /x", { a: "1" }));
  });

  it("accepts printable keys up to 200 characters", () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey("a b/c:d=e")).toBe("a b/c:d=e");
    expect(parseIdempotencyKey("k".repeat(200))).toHaveLength(200);
    expect(() => parseIdempotencyKey("ключ")).toThrow(/Idempotency-Key/);
  });
});
