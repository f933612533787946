import { BUCKETS, CONTROL_KEYS } from "@ai-jobs/contracts";
import { type NatsServer, startNats, waitFor } from "@ai-jobs/testkit";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cancellation, createCancellation } from "./cancellation.js";
import { createLogger } from "./logger.js";
import { connectNats, type NatsContext, provision } from "./nats.js";

const log = createLogger({ service: "cancellation-test", instanceId: "t", level: "silent" });
const who = { tenantId: "acme", requestedBy: "u1" };
let server: NatsServer;
let nats: NatsContext;
let cancellation: Cancellation;

beforeAll(async () => {
  server = await startNats();
  nats = await connectNats(server.url, "cancellation-test", log);
  await provision(nats, { jobsMaxMsgs: 1_000, jobsMaxBytes: 64 * 1024 * 1024 });
  cancellation = createCancellation(nats.js, log);
});

afterAll(async () => {
  await nats?.nc.drain();
  await server?.cleanup();
});

describe("cancellation flags", () => {
  it("are set by request, read by isRequested, and removed by clear", async () => {
    expect(await cancellation.isRequested("J1")).toBe(false);
    await cancellation.request("J1", who);
    expect(await cancellation.isRequested("J1")).toBe(true);
    await cancellation.clear("J1");
    expect(await cancellation.isRequested("J1")).toBe(false);
    await cancellation.clear("never-requested");
  });

  it("keep who asked and when", async () => {
    await cancellation.request("J2", who);
    const kv = await new Kvm(nats.js).open(BUCKETS.control);
    const entry = await kv.get(CONTROL_KEYS.cancel("J2"));
    expect(entry?.json()).toMatchObject({ ...who, at: expect.any(String) });
  });

  it("are watched for new requests only: a clear, a purge or an older flag is not a cancel", async () => {
    await cancellation.request("OLD", who);
    const seen: string[] = [];
    const watch = await cancellation.watch((jobId) => seen.push(jobId));
    await cancellation.request("A", who);
    await cancellation.clear("A");
    await (await new Kvm(nats.js).open(BUCKETS.control)).purge(CONTROL_KEYS.cancel("OLD"));
    await cancellation.request("B", who);
    await waitFor(() => seen.includes("B"), { what: "the second request" });
    await watch.stop();
    expect(seen).toEqual(["A", "B"]);
  });

  it("are all in the watch's copy once it resolves, and the copy follows requests and clears", async () => {
    const old = Array.from({ length: 300 }, (_, i) => `LOADED${i}`);
    for (const jobId of old) await cancellation.request(jobId, who);
    await cancellation.request("CLEARED", who);
    await cancellation.clear("CLEARED");
    const watch = await cancellation.watch(() => undefined);
    // No wait: every flag that existed before the watch is in hand when it resolves.
    expect(old.filter((jobId) => !watch.isRequested(jobId))).toEqual([]);
    expect(watch.isRequested("CLEARED")).toBe(false);
    expect(watch.isRequested("NEVER")).toBe(false);
    await cancellation.request("LATER", who);
    await waitFor(() => watch.isRequested("LATER"), { what: "the copy to get a new request" });
    await cancellation.clear("LOADED0");
    await waitFor(() => !watch.isRequested("LOADED0"), { what: "the copy to drop a cleared flag" });
    await watch.stop();
  });

  it("are still watched after the NATS server restarts", async () => {
    const seen: string[] = [];
    const watch = await cancellation.watch((jobId) => seen.push(jobId));
    await server.restart();
    await waitFor(() => nats.connected(), { what: "the client to reconnect", timeoutMs: 15_000 });
    await waitFor(
      async () => {
        await cancellation.request("AFTER", who);
        return true;
      },
      { what: "a request after the restart", timeoutMs: 15_000 },
    );
    await waitFor(() => seen.includes("AFTER"), { what: "the watch to see it", timeoutMs: 30_000 });
    expect(watch.isRequested("AFTER")).toBe(true);
    await watch.stop();
  });
});
