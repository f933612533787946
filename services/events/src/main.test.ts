import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type ServiceProcess, spawnService, waitFor } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ev, type Harness, startHarness, TOKENS } from "./testing/harness.js";
import { readSse } from "./testing/sse-client.js";

let h: Harness;
let svc: ServiceProcess | undefined;
let base: string;

beforeAll(async () => {
  h = await startHarness();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  svc = await spawnService({
    name: "events",
    entry: path.join(path.dirname(fileURLToPath(import.meta.url)), "main.ts"),
    env: {
      NATS_URL: h.nats.url,
      MONGO_URL: h.mongo.url,
      MONGO_DB: h.mongo.dbName,
      AUTH_TOKENS: `${TOKENS.acme}:acme:admin`,
      LOG_LEVEL: "info",
      PORT: String(port),
      HOST: "127.0.0.1",
      SSE_KEEPALIVE_MS: "1000",
    },
    readyUrl: `${base}/readyz`,
  });
});

afterAll(async () => {
  await svc?.kill("SIGKILL");
  await h?.close();
});

describe("events service process", () => {
  it("projects events, streams them, and on SIGTERM ends open streams, stops and exits 0", async () => {
    const job = await h.insertJob();
    const s1 = await h.publish(ev.started(job));
    await waitFor(async () => (await h.ctx.mongo.collections.jobs.findOne({ _id: job._id }))?.seq === s1, {
      what: "the service to project the started event",
    });

    const res = await fetch(`${base}/api/ai/jobs/stream/?job_id=${job._id}`, {
      headers: { authorization: `Bearer ${TOKENS.acme}` },
    });
    expect(res.status).toBe(200);
    const reading = readSse(res, { timeoutMs: 20_000 });
    // Let the replayed event reach the client before the shutdown.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const exit = svc?.kill("SIGTERM");
    const read = await reading;
    expect(read.ended).toBe(true);
    expect(read.messages.map((m) => [m.id, m.event])).toEqual([[String(s1), "meta"]]);
    expect(await exit).toBe(0);
    expect(svc?.logs().some((line) => line.includes("projector stopped"))).toBe(true);
  });
});
