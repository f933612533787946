/**
 * Request rate limits shared by gateway replicas: two gateway processes count into the same JetStream counters, so
 * a tenant's limit holds across them, and other tenants and callers are not affected.
 */
import { type MongoServer, type NatsServer, startMongo, startNats } from "@ai-jobs/testkit";
import { MongoClient } from "mongodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Services, startServices } from "./support/stack.js";

// The longest window allowed, so that a test never straddles two windows (see `awayFromWindowEnd`).
const WINDOW_MS = 60 * 60 * 1000;
const ACME = "rl-acme-token";
const ACME_2 = "rl-acme-token-2";
const GLOBEX = "rl-globex-token";
const AUTH_TOKENS = `${ACME}:acme:admin,${ACME_2}:acme:user,${GLOBEX}:globex:user`;

let mongo: MongoServer;
/** Each test gets a NATS of its own, so that it counts from zero. */
let nats: NatsServer | undefined;
let running: Services | undefined;

beforeAll(async () => {
  mongo = await startMongo();
});

afterEach(async () => {
  await running?.stop();
  expect(nats?.violations()).toEqual([]);
  await nats?.cleanup();
  running = undefined;
  nats = undefined;
});

afterAll(async () => {
  await mongo?.cleanup();
});

/** Fixed windows restart on the clock: wait out the last seconds of one rather than see the count reset mid-test. */
async function awayFromWindowEnd(): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

/** Two gateway replicas with the same limits, on the suite's NATS and MongoDB. */
async function twoGateways(limits: Record<string, string>): Promise<[string, string]> {
  await awayFromWindowEnd();
  // Under NATS auth, as deployed: the gateway's user may publish its counters and nothing it does not need.
  nats = await startNats({ auth: true });
  running = await startServices(nats, mongo, ["gateway"], {
    AUTH_TOKENS,
    RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
    RATE_LIMIT_PER_TENANT: "0",
    RATE_LIMIT_PER_CALLER: "0",
    LOG_LEVEL: "warn",
    ...limits,
  });
  const second = await running.spawn("gateway", { AUTH_TOKENS });
  return [running.gatewayUrl, second.url];
}

const get = (base: string, token: string, path = "/api/ai/jobs/") =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

/** The status of a GET, with its body in the failure message when it is not the one expected. */
async function expectStatus(res: Promise<Response>, status: number): Promise<void> {
  const answer = await res;
  if (answer.status !== status) expect(`${answer.status} ${await answer.text()}`).toBe(String(status));
}

describe("request rate limits across gateway replicas", () => {
  it("holds a tenant to RATE_LIMIT_PER_TENANT across both replicas, with 429, Retry-After and the limit named", async () => {
    const [a, b] = await twoGateways({ RATE_LIMIT_PER_TENANT: "6" });
    for (let i = 0; i < 6; i++) await expectStatus(get(i % 2 ? b : a, ACME), 200);

    for (const base of [a, b]) {
      const res = await get(base, ACME_2);
      if (res.status !== 429) expect(`${res.status} ${await res.text()}`).toBe("429");
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe("RATE_LIMITED");
      expect(problem.detail).toContain("RATE_LIMIT_PER_TENANT");
    }

    // Another tenant has its own count; health checks are never counted.
    for (const base of [a, b]) await expectStatus(get(base, GLOBEX), 200);
    for (let i = 0; i < 10; i++) expect((await fetch(`${a}/readyz`)).status).toBe(200);
  });

  it("refuses before the handler runs: a limited submit writes nothing", async () => {
    const [a] = await twoGateways({ RATE_LIMIT_PER_TENANT: "1" });
    await expectStatus(get(a, ACME), 200);
    const res = await fetch(`${a}/api/ai/study-plans/generate/`, {
      method: "POST",
      headers: { authorization: `Bearer ${ACME}`, "content-type": "application/json" },
      body: JSON.stringify({ goal: "Learn Go", start_date: "2026-12-01", end_date: "2026-12-03" }),
    });
    expect(res.status).toBe(429);
    const client = await MongoClient.connect(mongo.url);
    try {
      expect(await client.db(mongo.dbName).collection("plans").countDocuments({ tenantId: "acme" })).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("holds each caller to RATE_LIMIT_PER_CALLER, and RATE_LIMIT_TENANTS sets one tenant's own limit", async () => {
    const [a, b] = await twoGateways({ RATE_LIMIT_PER_CALLER: "3", RATE_LIMIT_TENANTS: "globex=2" });
    for (let i = 0; i < 3; i++) await expectStatus(get(i % 2 ? b : a, ACME), 200);
    const limited = await get(b, ACME);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { detail: string }).detail).toContain("RATE_LIMIT_PER_CALLER");
    // The same tenant's other caller still has its own count.
    await expectStatus(get(a, ACME_2), 200);

    await expectStatus(get(a, GLOBEX), 200);
    await expectStatus(get(b, GLOBEX), 200);
    const tenantLimited = await get(a, GLOBEX);
    expect(tenantLimited.status).toBe(429);
    expect(((await tenantLimited.json()) as { detail: string }).detail).toContain("RATE_LIMIT_PER_TENANT");
  });
});
