import { MeView } from "@ai-jobs/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, type Harness, startHarness, userAuth } from "../../test/harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("GET /api/ai/me/", () => {
  it("tells who the credential is, and the trace UI to link jobs to", async () => {
    const app = await h.app({ JAEGER_UI_URL: "https://jaeger.example.com/" });
    const admin = await app.inject({ method: "GET", url: "/api/ai/me/", headers: auth });
    expect(admin.statusCode).toBe(200);
    expect(MeView.parse(admin.json())).toEqual({
      tenant_id: "acme",
      user_id: expect.any(String),
      role: "admin",
      trace_ui_url: "https://jaeger.example.com",
    });
    const owner = await app.inject({ method: "GET", url: "/api/ai/me/", headers: userAuth });
    expect(owner.json()).toMatchObject({ tenant_id: "acme", role: "owner" });
    expect((await app.inject({ method: "GET", url: "/api/ai/me/" })).statusCode).toBe(401);
  });

  it("has no trace UI when JAEGER_UI_URL is unset or empty", async () => {
    for (const env of [{}, { JAEGER_UI_URL: "" }] as Array<Record<string, string>>) {
      const app = await h.app(env);
      const res = await app.inject({ method: "GET", url: "/api/ai/me/", headers: auth });
      expect(res.json()).toMatchObject({ trace_ui_url: null });
    }
  });

  it("refuses a JAEGER_UI_URL that is not an http(s) URL", async () => {
    await expect(h.app({ JAEGER_UI_URL: "javascript:alert(1)" })).rejects.toThrow(/JAEGER_UI_URL/);
    await expect(h.app({ JAEGER_UI_URL: "jaeger:16686" })).rejects.toThrow(/JAEGER_UI_URL/);
  });
});
