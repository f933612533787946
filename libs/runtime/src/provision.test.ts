import { STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { type NatsServer, startNats } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { connectNats, type NatsContext, provision } from "./nats.js";

const log = createLogger({ service: "provision-test", instanceId: "t", level: "silent" });
const BOUNDS = { jobsMaxMsgs: 10_000, jobsMaxBytes: 64 * 1024 * 1024 };
const TENANT_SUBJECT = SUBJECTS.job("ai_generation", "normal", "t1");
let server: NatsServer;
let nats: NatsContext;

beforeAll(async () => {
  server = await startNats();
  nats = await connectNats(server.url, "provision-test", log);
});

afterAll(async () => {
  await nats?.nc.close();
  await server?.cleanup();
});

const jobs = () => nats.jsm.streams.info(STREAMS.jobs);

describe("provision: the per-tenant cap (JOBS' per-subject limit)", () => {
  it("never lowers the cap below a tenant's backlog, since nats-server would delete the jobs over it", async () => {
    await provision(nats, { ...BOUNDS, jobsMaxPerTenant: 100 });
    for (let i = 0; i < 50; i++) await nats.js.publish(TENANT_SUBJECT, "{}");
    const warnings: unknown[] = [];

    await provision(nats, { ...BOUNDS, jobsMaxPerTenant: 40, log: { warn: (obj: unknown) => warnings.push(obj) } });
    let info = await jobs();
    expect(info.config.max_msgs_per_subject).toBe(100);
    expect(info.state.messages).toBe(50);
    expect(warnings).toHaveLength(1);

    // With a tenth of headroom above the backlog it is lowered, and nothing is deleted.
    await provision(nats, { ...BOUNDS, jobsMaxPerTenant: 60 });
    info = await jobs();
    expect(info.config.max_msgs_per_subject).toBe(60);
    expect(info.state.messages).toBe(50);

    // Raising is always safe.
    await provision(nats, { ...BOUNDS, jobsMaxPerTenant: 1_000 });
    expect((await jobs()).config.max_msgs_per_subject).toBe(1_000);
    expect((await jobs()).state.messages).toBe(50);
  });

  it("is the hazard it guards against: a plain update to a lower limit deletes a work queue's oldest jobs", async () => {
    const { config } = await jobs();
    await nats.jsm.streams.update(STREAMS.jobs, { ...config, max_msgs_per_subject: 10 });
    expect((await jobs()).state.messages).toBe(10);
  });
});
