import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { problemsPlugin, registerHttpSecurity } from "@ai-jobs/runtime";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DashboardAssets, loadDashboardAssets } from "../data/dashboard-assets.js";
import { DASHBOARD_CSP, dashboardRoutes } from "./dashboard.js";

let dir: string;
const script = `console.log(${JSON.stringify("x".repeat(2_000))});`;

async function appWith(assets: DashboardAssets | undefined): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await app.register(problemsPlugin);
  registerHttpSecurity(app, { corsOrigins: [], hstsMaxAgeS: 0 });
  await app.register(dashboardRoutes, { assets });
  app.get("/api/ai/ping", async () => ({ ok: true }));
  return app;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "dashboard-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(
    path.join(dir, "index.html"),
    '<!doctype html><script type="module" src="/dashboard/assets/a.js"></script>',
  );
  writeFileSync(path.join(dir, "assets", "index-abc123.js"), script);
  writeFileSync(path.join(dir, "assets", "index-abc123.css"), "body{margin:0}");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard's files", () => {
  it("serves index.html at /dashboard and /dashboard/ without a token, under the document CSP, revalidated", async () => {
    const app = await appWith(loadDashboardAssets(dir));
    for (const url of ["/dashboard", "/dashboard/"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.body).toContain("<!doctype html>");
    }
    // The API keeps its own policy.
    const api = await app.inject({ method: "GET", url: "/api/ai/ping" });
    expect(api.headers["content-security-policy"]).toBe("default-src 'none';frame-ancestors 'none'");
  });

  it("allows only this origin's scripts, styles and connections", () => {
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|https?:|\*/);
  });

  it("serves hashed assets for good, gzipped when asked, and answers 304 to a matching ETag", async () => {
    const app = await appWith(loadDashboardAssets(dir));
    const plain = await app.inject({ method: "GET", url: "/dashboard/assets/index-abc123.js" });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe(script);
    const zipped = await app.inject({
      method: "GET",
      url: "/dashboard/assets/index-abc123.js",
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toContain("accept-encoding");
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(script);
    const etag = String(plain.headers.etag);
    const again = await app.inject({
      method: "GET",
      url: "/dashboard/assets/index-abc123.js",
      headers: { "if-none-match": etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    expect(
      (await app.inject({ method: "GET", url: "/dashboard/assets/index-abc123.css" })).headers["content-type"],
    ).toBe("text/css; charset=utf-8");
  });

  it("answers 404 problems for anything else, never reading the file system for a request path", async () => {
    const app = await appWith(loadDashboardAssets(dir));
    for (const url of [
      "/dashboard/nope.js",
      "/dashboard/../package.json",
      "/dashboard/%2e%2e/%2e%2e/package.json",
      "/dashboard/assets/",
      "/dashboard/index.html/x",
    ]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"], url).toContain("application/problem+json");
    }
  });

  it("says so when the dashboard was not built", async () => {
    expect(loadDashboardAssets(path.join(dir, "missing"))).toBeUndefined();
    const app = await appWith(undefined);
    const res = await app.inject({ method: "GET", url: "/dashboard/" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "NOT_FOUND", detail: expect.stringContaining("npm run build") });
    expect(res.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
  });
});
