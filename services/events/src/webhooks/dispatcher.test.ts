import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { STREAMS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { pino } from "pino";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookDeliveryRepository } from "../data/webhook-deliveries.js";
import { ev, type Harness, startHarness } from "../testing/harness.js";
import { createWebhookDispatcher, WEBHOOK_CONSUMER, type WebhookDispatcher } from "./dispatcher.js";
import type { Resolver } from "./target-policy.js";

const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
/** acme's second secret: it is rotating from SECRET to this one, so deliveries carry both signatures. */
const NEXT_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
/** What the dispatcher logs: the detail of a failure belongs here, not in the attempt the tenant reads. */
const logLines: string[] = [];
const log = pino({ level: "info" }, { write: (line: string) => logLines.push(line) });

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

let h: Harness;
let dispatcher: WebhookDispatcher | undefined;
let server: http.Server;
let port = 0;
/** A port on 127.0.0.1 with nothing listening, opened in WEBHOOK_ALLOWED_PORTS. */
let closedPort = 0;
/** A receiver on a port WEBHOOK_ALLOWED_PORTS does not open. */
let otherServer: http.Server;
let otherPort = 0;
const received: Received[] = [];
/** Requests to this path get no answer while it is above zero. */
let hangs = 0;
/** Test DNS: names under `.test` (never in real DNS, RFC 6761), so a connection can only use the answer given here. */
const dns = new Map<string, string>();
const resolved: string[] = [];
const resolve: Resolver = async (host) => {
  resolved.push(host);
  const address = dns.get(host);
  if (!address) throw new Error(`no test record for ${host}`);
  return [{ address, family: address.includes(":") ? 6 : 4 }];
};
/** Statuses to answer per path, in order; 200 once used up. */
const script = new Map<string, number[]>();

const startDispatcher = async () => {
  dispatcher = createWebhookDispatcher({
    nats: h.ctx.nats,
    messaging: h.ctx.messaging,
    deliveries: createWebhookDeliveryRepository(h.ctx.mongo.collections),
    jobs: h.reader,
    log,
    settings: {
      secrets: h.config.WEBHOOK_SECRETS,
      targets: { allowlist: h.config.WEBHOOK_ALLOWLIST, ports: h.config.WEBHOOK_ALLOWED_PORTS },
      backoffMs: h.config.WEBHOOK_BACKOFF_MS,
      timeoutMs: h.config.WEBHOOK_TIMEOUT_MS,
      concurrency: h.config.WEBHOOK_CONCURRENCY,
    },
    resolve,
  });
  await dispatcher.start();
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({
        path,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if (path === "/hang" && hangs > 0) {
        hangs--;
        return;
      }
      res.statusCode = script.get(path)?.shift() ?? 200;
      res.end("ok");
    });
  });
  // Every interface, so a POST to another loopback address (127.0.0.2) would be seen if one were made.
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  port = (server.address() as AddressInfo).port;
  otherServer = http.createServer((req, res) => {
    received.push({ path: `other:${req.url}`, headers: {}, body: "" });
    res.end("ok");
  });
  await new Promise<void>((resolve) => otherServer.listen(0, "127.0.0.1", resolve));
  otherPort = (otherServer.address() as AddressInfo).port;
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  h = await startHarness({
    WEBHOOK_SECRETS: `acme:${SECRET},acme:${NEXT_SECRET}`,
    WEBHOOK_ALLOWLIST: "127.0.0.1",
    // The local receivers' random ports are opened explicitly; otherPort is not.
    WEBHOOK_ALLOWED_PORTS: `80,443,${port},${closedPort}`,
    WEBHOOK_BACKOFF_MS: "200,400,800",
    WEBHOOK_TIMEOUT_MS: "2000",
  });
  await startDispatcher();
});

afterAll(async () => {
  await dispatcher?.stop();
  await h?.close();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => otherServer.close(resolve));
});

const at = (path: string) => received.filter((r) => r.path === path);
const delivery = (jobId: string) =>
  h.ctx.mongo.collections.webhookDeliveries.findOne({ jobId }).then((d) => d ?? undefined);

async function dispatcherIdle(): Promise<void> {
  await waitFor(
    async () => {
      const info = await h.ctx.nats.jsm.consumers.info(STREAMS.events, WEBHOOK_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: "the webhook dispatcher to settle everything" },
  );
}

describe("webhook dispatcher", () => {
  it("POSTs a succeeded job's event, signed so that standardwebhooks verifies it", async () => {
    const job = await h.insertJob({ webhook: { url: `http://127.0.0.1:${port}/ok` } });
    await h.publishEvent(ev.started(job));
    const seq = await h.publishEvent(ev.succeeded(job, { plan_id: "p1" }));
    const [request] = await waitFor(() => (at("/ok").length > 0 ? at("/ok") : undefined), { what: "the webhook" });
    expect(request?.headers["webhook-id"]).toBe(`${job._id}:${seq}`);
    const verified = new Webhook(SECRET).verify(request?.body ?? "", request?.headers ?? {});
    expect(verified).toEqual({
      type: "job.succeeded",
      timestamp: expect.any(String),
      data: { job_id: job._id, status: "succeeded", result_refs: { plan_id: "p1" } },
    });
    expect(() =>
      new Webhook(`whsec_${randomBytes(24).toString("base64")}`).verify(request?.body ?? "", request?.headers ?? {}),
    ).toThrow();
    // While a secret rotates, a receiver that already has the next one verifies the same delivery too.
    expect(new Webhook(NEXT_SECRET).verify(request?.body ?? "", request?.headers ?? {})).toEqual(verified);
    expect(String(request?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    const record = await waitFor(async () => {
      const d = await delivery(job._id);
      return d?.state === "delivered" ? d : undefined;
    });
    expect(record.attempts).toEqual([{ at: expect.any(Date), status: 200, durationMs: expect.any(Number) }]);
  });

  it("retries a failing receiver with backoff and records every attempt", async () => {
    script.set("/flaky", [500, 500]);
    const job = await h.insertJob({ webhook: { url: `http://127.0.0.1:${port}/flaky` } });
    await h.publishEvent(ev.failed(job, "boom"));
    const record = await waitFor(
      async () => {
        const d = await delivery(job._id);
        return d?.state === "delivered" ? d : undefined;
      },
      { what: "the delivery after retries" },
    );
    expect(record.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(record.attempts.map((a) => a.error)).toEqual(["http_5xx", "http_5xx", undefined]);
    const requests = at("/flaky");
    expect(requests).toHaveLength(3);
    // One webhook-id for every attempt, so the receiver can deduplicate.
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    const times = record.attempts.map((a) => a.at.getTime());
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(140);
    expect(JSON.parse(requests[2]?.body ?? "{}")).toMatchObject({
      type: "job.failed",
      data: { status: "failed", last_error: { code: "HANDLER_FAILED", message: "boom" } },
    });
  });

  it("gives up after the last backoff step", async () => {
    script.set("/down", [503, 503, 503, 503, 503]);
    const job = await h.insertJob({ webhook: { url: `http://127.0.0.1:${port}/down` } });
    await h.publishEvent(ev.cancelled(job));
    const record = await waitFor(
      async () => {
        const d = await delivery(job._id);
        return d?.state === "failed" ? d : undefined;
      },
      { what: "the delivery to fail", timeoutMs: 15_000 },
    );
    expect(record.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
    expect(record.attempts.map((a) => a.error)).toEqual(["http_5xx", "http_5xx", "http_5xx", "http_5xx"]);
    expect(record.nextAttemptAt).toBeNull();
  });

  it("refuses a loopback target that is not allowlisted, without POSTing or retrying", async () => {
    const job = await h.insertJob({ webhook: { url: `http://127.0.0.2:${port}/refused` } });
    await h.publishEvent(ev.succeeded(job, {}));
    const record = await waitFor(async () => {
      const d = await delivery(job._id);
      return d?.state === "failed" ? d : undefined;
    });
    expect(record.attempts).toEqual([
      { at: expect.any(Date), error: "refused_by_policy", durationMs: expect.any(Number) },
    ]);
    await dispatcherIdle();
    expect(at("/refused")).toHaveLength(0);
  });

  it("sends nothing for a job without a webhook or a tenant without a secret", async () => {
    const plain = await h.insertJob();
    const other = await h.insertJob({ tenantId: "globex", webhook: { url: `http://127.0.0.1:${port}/globex` } });
    await h.publishEvent(ev.succeeded(plain, {}));
    await h.publishEvent(ev.succeeded(other, {}));
    await dispatcherIdle();
    expect(at("/globex")).toHaveLength(0);
    expect(await delivery(plain._id)).toBeUndefined();
    expect(await delivery(other._id)).toBeUndefined();
  });

  const settled = (jobId: string, state: "delivered" | "failed", timeoutMs = 15_000) =>
    waitFor(
      async () => {
        const d = await delivery(jobId);
        return d?.state === state ? d : undefined;
      },
      { what: `the delivery to be ${state}`, timeoutMs },
    );

  it("refuses a port outside WEBHOOK_ALLOWED_PORTS, on an allowlisted address, without connecting", async () => {
    const job = await h.insertJob({ webhook: { url: `http://127.0.0.1:${otherPort}/port` } });
    await h.publishEvent(ev.succeeded(job, {}));
    const record = await settled(job._id, "failed");
    expect(record.attempts).toEqual([
      { at: expect.any(Date), error: "refused_by_policy", durationMs: expect.any(Number) },
    ]);
    await dispatcherIdle();
    expect(at("other:/port")).toHaveLength(0);
  });

  it("connects to the address it checked: one lookup per attempt, the name never resolved again", async () => {
    dns.set("receiver.test", "127.0.0.1");
    const job = await h.insertJob({ webhook: { url: `http://receiver.test:${port}/pinned` } });
    await h.publishEvent(ev.succeeded(job, {}));
    await settled(job._id, "delivered");
    // The system resolver knows no `.test` name: the request reached us through the pinned answer.
    expect(at("/pinned")[0]?.headers.host).toBe(`receiver.test:${port}`);
    expect(resolved.filter((host) => host === "receiver.test")).toEqual(["receiver.test"]);
  });

  it.each([
    ["NAT64 of loopback", "64:ff9b::7f00:1"],
    ["local-use NAT64", "64:ff9b:1::7f00:1"],
    ["6to4 of loopback", "2002:7f00:1::"],
    ["Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
    ["site-local", "fec0::1"],
    ["IPv4-compatible loopback", "::7f00:1"],
    ["IPv4-mapped 127.0.0.2", "::ffff:7f00:2"],
  ])("refuses a name resolving to %s (%s) without connecting or retrying", async (_range, address) => {
    const name = `r${address.replaceAll(":", "-")}.test`;
    dns.set(name, address);
    const job = await h.insertJob({ webhook: { url: `http://${name}:${port}/range` } });
    await h.publishEvent(ev.succeeded(job, {}));
    const record = await settled(job._id, "failed");
    expect(record.attempts).toEqual([
      { at: expect.any(Date), error: "refused_by_policy", durationMs: expect.any(Number) },
    ]);
    expect(at("/range")).toHaveLength(0);
  });

  it("records a coarse reason for each failure, the detail only in the log without the URL's secrets", async () => {
    script.set("/missing", [404, 404, 404, 404]);
    const notFound = await h.insertJob({ webhook: { url: `http://127.0.0.1:${port}/missing` } });
    const refused = await h.insertJob({ webhook: { url: `http://127.0.0.1:${closedPort}/x?token=s3cret-query` } });
    const tls = await h.insertJob({ webhook: { url: `https://127.0.0.1:${port}/tls` } });
    await h.publishEvent(ev.succeeded(notFound, {}));
    await h.publishEvent(ev.succeeded(refused, {}));
    await h.publishEvent(ev.succeeded(tls, {}));
    const reasons = async (jobId: string) => (await settled(jobId, "failed")).attempts.map((a) => a.error);
    expect(await reasons(notFound._id)).toEqual(["http_4xx", "http_4xx", "http_4xx", "http_4xx"]);
    expect(await reasons(refused._id)).toEqual([
      "connection_failed",
      "connection_failed",
      "connection_failed",
      "connection_failed",
    ]);
    expect(await reasons(tls._id)).toEqual(["tls", "tls", "tls", "tls"]);
    const logged = logLines.join("");
    expect(logged).toContain("ECONNREFUSED");
    expect(logged).toContain(`"target":"http://127.0.0.1:${closedPort}"`);
    expect(logged).not.toContain("s3cret-query");
  });

  it("records a timeout as such, then delivers", async () => {
    hangs = 1;
    const job = await h.insertJob({ webhook: { url: `http://127.0.0.1:${port}/hang` } });
    await h.publishEvent(ev.succeeded(job, {}));
    const record = await settled(job._id, "delivered");
    expect(record.attempts.map((a) => a.error ?? a.status)).toEqual(["timeout", 200]);
  });

  it("does not POST again when a delivered event is redelivered", async () => {
    await dispatcherIdle();
    const before = received.length;
    expect(at("/ok")).toHaveLength(1);
    // Replays the whole stream to a fresh consumer: every terminal event comes again.
    await dispatcher?.stop();
    await h.ctx.nats.jsm.consumers.delete(STREAMS.events, WEBHOOK_CONSUMER);
    await startDispatcher();
    await dispatcherIdle();
    expect(received.length).toBe(before);
    expect(at("/ok")).toHaveLength(1);
  });
});
