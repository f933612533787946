import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Problem } from "@ai-jobs/contracts";
import { freePort, waitFor } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, type Harness, problemOf, startHarness } from "../../test/harness.js";

/** A stand-in for the events service: records what it was asked, then answers as the test says. */
interface FakeEvents {
  url: string;
  requests: Array<{ url: string; headers: http.IncomingHttpHeaders; closed: Promise<void> }>;
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  close(): Promise<void>;
}

async function startFakeEvents(): Promise<FakeEvents> {
  const fake: FakeEvents = {
    url: "",
    requests: [],
    answer: (_req, res) => res.end(),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    fake.requests.push({
      url: req.url ?? "",
      headers: req.headers,
      closed: once(res, "close").then(() => undefined),
    });
    fake.answer(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

let h: Harness;
let events: FakeEvents;
let gatewayUrl: string;

beforeAll(async () => {
  [h, events] = await Promise.all([startHarness(), startFakeEvents()]);
  const app = await h.app({ EVENTS_URL: events.url });
  gatewayUrl = await app.listen({ port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await h?.close();
  await events?.close();
});

const STREAM = "/api/ai/jobs/stream/?job_id=01JA&job_id=01JB";

describe("GET /api/ai/jobs/stream/ (proxied to the events service)", () => {
  it("forwards query, token and Last-Event-ID, streams events through unbuffered, and aborts upstream when the client leaves", async () => {
    let upstreamRes: http.ServerResponse | undefined;
    events.answer = (_req, res) => {
      upstreamRes = res;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('id: 7\nevent: meta\ndata: {"job_id":"01JA","status":"running"}\n\n');
    };
    const client = new AbortController();
    const res = await fetch(`${gatewayUrl}${STREAM}`, {
      headers: { ...auth, "last-event-id": "6" },
      signal: client.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");

    const upstream = events.requests.at(-1);
    expect(upstream?.url).toBe(STREAM);
    expect(upstream?.headers.authorization).toBe(auth.authorization);
    expect(upstream?.headers["last-event-id"]).toBe("6");
    expect(upstream?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);

    if (!res.body) throw new Error("no body");
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('id: 7\nevent: meta\ndata: {"job_id":"01JA","status":"running"}\n\n');

    // A second event written later arrives on its own: nothing waits for a buffer to fill.
    upstreamRes?.write('id: 8\nevent: progress\ndata: {"job_id":"01JA","message":"half"}\n\n');
    const next = await reader.read();
    expect(decoder.decode(next.value)).toContain("id: 8");

    client.abort();
    await expect(upstream?.closed).resolves.toBeUndefined();
  });

  it("passes a refused answer of the events service through as it is", async () => {
    const problem = {
      type: "urn:ai-jobs:problem:not-found",
      title: "Not Found",
      status: 404,
      code: "NOT_FOUND",
      detail: "job not found",
    };
    events.answer = (_req, res) => {
      res.writeHead(404, { "content-type": "application/problem+json" });
      res.end(JSON.stringify(problem));
    };
    const res = await fetch(`${gatewayUrl}${STREAM}`, { headers: auth });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toEqual(problem);
  });

  it("answers a problem when Node refuses the forwarded request before the events app sees it (an over-long URL)", async () => {
    const app = await h.app({ EVENTS_URL: events.url });
    // Past Node's 16 KiB header limit: the upstream server answers a bare 431, no body, no content type.
    const res = await app.inject({
      method: "GET",
      url: `${STREAM}&last_event_id=${"x".repeat(20_000)}`,
      headers: auth,
    });
    expect(res.statusCode).toBe(431);
    expect(problemOf(res).code).toBe("VALIDATION_FAILED");
  });

  it("needs a token of its own", async () => {
    const before = events.requests.length;
    const res = await fetch(`${gatewayUrl}${STREAM}`);
    expect(res.status).toBe(401);
    expect(events.requests.length).toBe(before);
  });

  it("answers 503 with Retry-After when the events service cannot be reached", async () => {
    const app = await h.app({ EVENTS_URL: `http://127.0.0.1:${await freePort()}` });
    const res = await app.inject({ method: "GET", url: STREAM, headers: auth });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("2");
    expect(Problem.parse(res.json()).code).toBe("SERVICE_UNAVAILABLE");
  });

  it("ends open streams when the gateway shuts down", async () => {
    events.answer = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": hello\n\n");
    };
    const app = await h.app({ EVENTS_URL: events.url });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${url}${STREAM}`, { headers: auth });
    expect(res.status).toBe(200);
    const upstream = events.requests.at(-1);
    await waitFor(() => upstream !== undefined, { what: "the upstream request" });
    const text = res.text();
    await app.close();
    expect(await text).toBe(": hello\n\n");
    await expect(upstream?.closed).resolves.toBeUndefined();
  });
});
