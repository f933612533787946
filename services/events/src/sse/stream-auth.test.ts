import { createStreamTokens, generateApiKey, type StreamTokens } from "@ai-jobs/runtime";
import { readSse } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { serveEventsApp } from "../testing/app.js";
import { ev, startHarness } from "../testing/harness.js";

const STREAM_SECRET = "stream-test-secret-of-at-least-32-bytes";
const h = useHarness(() => startHarness({ STREAM_TOKEN_SECRET: STREAM_SECRET }));
let base: string;
let tokens: StreamTokens;

beforeAll(async () => {
  ({ base } = await serveEventsApp(h));
  tokens = createStreamTokens(STREAM_SECRET, 300);
});

const acmeViewer = { tenantId: "acme", userId: "vera", role: "viewer" } as const;
const open = (query: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/ai/jobs/stream/?${query}`, { headers });

describe("GET /api/ai/jobs/stream/?token= (browser stream tokens)", () => {
  it("streams the jobs the token covers", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    await h.publishEvent(ev.succeeded(job, { plan_id: "p" }));
    const { token } = await tokens.mint(acmeViewer, { all: false, jobIds: [job._id] });
    const res = await open(`job_id=${job._id}&token=${token}`);
    expect(res.status).toBe(200);
    const read = await readSse(res, { timeoutMs: 5_000 });
    expect(read.ended).toBe(true);
    expect(read.messages.map((m) => m.event)).toContain("result");
  });

  it("refuses jobs the token does not cover, and all=1 on a job-scoped token", async () => {
    const [mine, other] = [await h.insertJob(), await h.insertJob()];
    const { token } = await tokens.mint(acmeViewer, { all: false, jobIds: [mine._id] });
    expect((await open(`job_id=${other._id}&token=${token}`)).status).toBe(403);
    expect((await open(`job_id=${mine._id}&job_id=${other._id}&token=${token}`)).status).toBe(403);
    expect((await open(`all=1&token=${token}`)).status).toBe(403);
  });

  it("scopes the token to its tenant: another tenant's job is a 404", async () => {
    const job = await h.insertJob();
    const { token } = await tokens.mint({ tenantId: "globex", userId: "gus", role: "owner" }, { all: true });
    expect((await open(`job_id=${job._id}&token=${token}`)).status).toBe(404);
  });

  it("refuses an expired token, a token signed with another secret, and a bearer JWT passed as ?token=", async () => {
    const job = await h.insertJob();
    const past = createStreamTokens(STREAM_SECRET, 60, () => new Date(Date.now() - 120_000));
    const expired = (await past.mint(acmeViewer, { all: true })).token;
    const forged = (await createStreamTokens("x".repeat(40), 300).mint(acmeViewer, { all: true })).token;
    for (const token of [expired, forged, "not-a-token"]) {
      const res = await open(`job_id=${job._id}&token=${token}`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });

  it("is not a bearer token: the stream refuses it in the Authorization header", async () => {
    const job = await h.insertJob();
    const { token } = await tokens.mint(acmeViewer, { all: true });
    expect((await open(`job_id=${job._id}`, { authorization: `Bearer ${token}` })).status).toBe(401);
  });
});

describe("GET /api/ai/jobs/stream/ with an API key", () => {
  it("takes a live key of the job's tenant and refuses a revoked one", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    await h.publishEvent(ev.succeeded(job, { plan_id: "p" }));
    const { id, key, hash } = generateApiKey();
    const keys = h.ctx.mongo.collections.apiKeys;
    await keys.insertOne({
      _id: id,
      tenantId: "acme",
      name: "dashboard",
      scopes: ["read"],
      hash,
      createdBy: "olga",
      createdAt: new Date(),
      expiresAt: null,
      revokedAt: null,
    });
    const ok = await open(`job_id=${job._id}`, { authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    await keys.updateOne({ _id: id }, { $set: { revokedAt: new Date() } });
    expect((await open(`job_id=${job._id}`, { authorization: `Bearer ${key}` })).status).toBe(401);
  });
});
