import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { describe, expect, it } from "vitest";
import { eventsAppOf } from "./testing/app.js";
import { startHarness } from "./testing/harness.js";

const h = useHarness(() => startHarness());

const appWith = (draining: () => boolean) => eventsAppOf(h, { draining });

describe("health", () => {
  it("/healthz is 200, and /readyz is 200 while NATS and MongoDB answer", async () => {
    const app = appWith(() => false);
    try {
      expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
      const ready = await app.inject({ url: "/readyz" });
      expect(ready.statusCode).toBe(200);
      // A probe says ready or not; the reasons are on the internal listener's /health only.
      expect(ready.json()).toEqual({ status: "ready" });
    } finally {
      await app.close();
    }
  });

  it("/readyz is 503 while draining", async () => {
    const app = appWith(() => true);
    try {
      const res = await app.inject({ url: "/readyz" });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: "not_ready" });
    } finally {
      await app.close();
    }
  });

  it("/readyz is 503 while MongoDB is down, and 200 again once it is back", async () => {
    const app = appWith(() => false);
    try {
      await h.mongo.stop();
      const down = await app.inject({ url: "/readyz" });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ status: "not_ready" });
      await h.mongo.restart();
      await waitFor(async () => (await app.inject({ url: "/readyz" })).statusCode === 200, {
        what: "readiness after MongoDB is back",
        timeoutMs: 30_000,
      });
    } finally {
      await app.close();
    }
  }, 60_000);

  it("an unknown route is a 404 problem", async () => {
    const app = appWith(() => false);
    try {
      const res = await app.inject({ url: "/nope" });
      expect(res.statusCode).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 404, code: "NOT_FOUND" });
    } finally {
      await app.close();
    }
  });
});
