import { Problem, STREAMS } from "@ai-jobs/contracts";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, otherAuth, planBody, startHarness } from "../../test/harness.js";

/** acme has the default cap; globex is given a larger one, which becomes JOBS' per-subject limit. */
const DEFAULT_CAP = 3;
const GLOBEX_CAP = 5;

// No worker pulls in this file, so every accepted job stays waiting and counts against its tenant's cap.
const h = useHarness(() =>
  startHarness({
    JOBS_MAX_PER_TENANT: String(DEFAULT_CAP),
    JOBS_MAX_PER_TENANT_TENANTS: `globex=${GLOBEX_CAP}`,
  }),
);
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const submit = (headers: Record<string, string>) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers, payload: planBody() });

function expectTenantQueueFull(res: Awaited<ReturnType<typeof submit>>, cap: number) {
  expect(res.statusCode).toBe(429);
  expect(res.headers["retry-after"]).toBe("5");
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = Problem.parse(res.json());
  expect(problem.code).toBe("TENANT_QUEUE_FULL");
  expect(problem.detail).toContain("JOBS_MAX_PER_TENANT");
  expect(problem.detail).toContain(`already has ${cap} jobs`);
}

describe("a tenant's cap on waiting jobs (JOBS_MAX_PER_TENANT, JOBS_MAX_PER_TENANT_TENANTS)", () => {
  it("gives JOBS the largest cap as its per-subject limit", async () => {
    const info = await h.ctx.nats.jsm.streams.info(STREAMS.jobs);
    expect(info.config.max_msgs_per_subject).toBe(GLOBEX_CAP);
    expect(info.config.discard_new_per_subject).toBe(true);
  });

  it("refuses a tenant at a cap below that limit 429 before anything is published or written", async () => {
    for (let i = 0; i < DEFAULT_CAP; i++) expect((await submit(auth)).statusCode).toBe(202);
    const before = await h.counts();
    expectTenantQueueFull(await submit(auth), DEFAULT_CAP);
    // The gateway's count refused it: no draft, no command, not even a `queued` event.
    expect(await h.counts()).toEqual(before);
  });

  it("refuses a tenant at the limit through JetStream itself, and the other tenant is unaffected", async () => {
    for (let i = 0; i < GLOBEX_CAP; i++) expect((await submit(otherAuth)).statusCode).toBe(202);
    const before = await h.counts();
    expectTenantQueueFull(await submit(otherAuth), GLOBEX_CAP);
    // As with a full queue: the draft is taken back, and the `queued` event is closed by a `failed` one.
    const after = await h.counts();
    expect({ ...after, eventsStream: before.eventsStream }).toEqual(before);
    expect(after.eventsStream).toBe(before.eventsStream + 2);
    expect(after.jobsStream).toBe(DEFAULT_CAP + GLOBEX_CAP);
  });
});
