import path from "node:path";
import { type JobCommand, type StudyPlan, SUBJECTS } from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import {
  freePort,
  type MongoServer,
  type NatsServer,
  planRecord,
  repoRoot,
  spawnService,
  startMongo,
  startNats,
  waitFor,
} from "@ai-jobs/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TENANT = "tenant_process";
const newId = createIdGenerator();

let nats: NatsServer | undefined;
let mongo: MongoServer | undefined;

beforeAll(async () => {
  // NATS with the generated authorization: the service runs as its own user, the test plays the gateway.
  [nats, mongo] = await Promise.all([startNats({ auth: true }), startMongo()]);
});

afterAll(async () => {
  await Promise.all([nats?.cleanup(), mongo?.cleanup()]);
});

describe("planner process", () => {
  it("boots, reports ready, generates a plan from a published command, and exits cleanly on SIGTERM", async () => {
    if (!nats || !mongo) throw new Error("servers not started");
    const port = await freePort();
    const planner = await spawnService({
      name: "planner",
      entry: path.join(repoRoot(), "services/planner/src/main.ts"),
      env: {
        NATS_URL: nats.url,
        ...nats.auth?.envOf("planner"),
        MONGO_URL: mongo.url,
        MONGO_DB: mongo.dbName,
        HOST: "127.0.0.1",
        HEALTH_PORT: String(port),
        LOG_LEVEL: "info",
        SHUTDOWN_TIMEOUT_MS: "10000",
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    const client = new MongoClient(mongo.url);
    const nc = await connect({ servers: nats.url, ...nats.auth?.clientOptionsOf("gateway") });
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: "ok" });
      const plans = client.db(mongo.dbName).collection<StudyPlan>("study_plans");
      const now = new Date();
      const plan = planRecord(newId(), TENANT, {
        title: "Spanish",
        goal: "Spanish verbs and vocabulary",
        startDate: "2025-05-01",
        endDate: "2025-05-03",
        dailyMinutes: 45,
      });
      await plans.insertOne(plan);
      const { _id: planId, goal, title, studyContext, startDate, endDate, dailyMinutes } = plan;
      const command: JobCommand = {
        jobId: newId(),
        tenantId: TENANT,
        userId: "user_1",
        type: "plan.generate",
        queue: "ai_generation",
        priority: "high",
        payload: { planId, goal, title, studyContext, startDate, endDate, dailyMinutes },
        createdAt: now.toISOString(),
      };
      await jetstream(nc).publish(SUBJECTS.job("ai_generation", "high", TENANT), JSON.stringify(command), {
        msgID: command.jobId,
      });
      const done = await waitFor(
        async () => {
          const p = await plans.findOne({ _id: planId });
          return p?.generationStatus === "succeeded" ? p : undefined;
        },
        { what: "the plan to be generated", timeoutMs: 20_000 },
      );
      expect(done.provider).toBe("offline");
      expect(await client.db(mongo.dbName).collection("study_tasks").countDocuments({ planId })).toBe(15);

      expect(await planner.kill("SIGTERM")).toBe(0);
      expect(nats.violations(), "NATS permission violations").toEqual([]);
      expect(planner.logs().some((line) => line.includes("worker stopped"))).toBe(true);
    } finally {
      await planner.kill("SIGKILL");
      await nc.close();
      await client.close();
    }
  });
});
