/**
 * The web dashboard in a real browser (Debian's chromium through playwright-core, no downloaded browser) against the
 * real stack: log in, follow a job live to its end and open it, read the queues, replay a dead letter, cancel a
 * filtered selection, and see that a viewer gets no buttons. Each screen is saved as a PNG (DASHBOARD_SCREENSHOTS,
 * else .test-output/dashboard/); docs/screenshots/ holds one such set.
 */
import path from "node:path";
import { ensureDashboardBuilt, waitFor } from "@ai-jobs/testkit";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_PATH, haveChromium, screenshotDir } from "./support/dashboard.js";
import { gatewayCall, type Stack, startStack, TOKEN } from "./support/stack.js";

const JAEGER = "http://127.0.0.1:16686";

if (!haveChromium) {
  console.warn(`dashboard browser test skipped: no chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
}

describe.skipIf(!haveChromium)("the web dashboard in a browser", () => {
  let stack: Stack;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const shots = screenshotDir();
  const api = (p: string, init?: RequestInit) => gatewayCall(stack, p, init);
  const post = (p: string, body: unknown) =>
    api(p, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  /** A PNG of the page, at most `height` pixels of it (more than the window, for a long page). */
  const shoot = (p: Page, name: string, height?: number) =>
    p.screenshot({
      path: path.join(shots, `${name}.png`),
      ...(height ? { fullPage: true, clip: { x: 0, y: 0, width: 1280, height } } : {}),
    });
  const submitPlan = async (extra: Record<string, unknown> = {}) => {
    const res = await post("/api/ai/study-plans/generate/", {
      goal: "Learn linear algebra",
      start_date: "2026-12-01",
      end_date: "2026-12-05",
      ...extra,
    });
    expect(res.status).toBe(202);
    return { jobId: String(res.body.job_id), planId: String(res.body.id) };
  };

  /** A page that records every script error and console error (a CSP refusal is one). */
  const openPage = async (context: BrowserContext) => {
    const p = await context.newPage();
    p.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    p.on("console", (msg) => {
      // A refused credential is logged by the browser as a failed request (401): that one is expected.
      if (msg.type() === "error" && !msg.text().includes("401")) problems.push(`console: ${msg.text()}`);
    });
    await p.goto(`${stack.gatewayUrl}/dashboard/`);
    return p;
  };
  const login = async (p: Page, token: string) => {
    await p.fill("#token", token);
    await p.click("button[type=submit]");
    await p.locator("header.top").waitFor();
  };

  beforeAll(async () => {
    await ensureDashboardBuilt();
    [stack, browser] = await Promise.all([
      startStack({
        JAEGER_UI_URL: JAEGER,
        QUEUE_SAMPLE_INTERVAL_MS: "2000",
        // Visible progress: each drafted day takes a moment.
        OFFLINE_STEP_DELAY_MS: "300",
      }),
      chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox", "--disable-gpu"] }),
    ]);
    admin = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    page = await openPage(admin);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("serves the page without a token, under a CSP that allows only its own origin", async () => {
    const res = await fetch(`${stack.gatewayUrl}/dashboard/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|unsafe-inline|unsafe-eval/);
  });

  it("refuses a wrong credential on the login form, then logs an admin in", async () => {
    await page.fill("#token", "not-a-token");
    await page.click("button[type=submit]");
    await page.getByRole("alert").filter({ hasText: "401" }).waitFor();
    await page.fill("#token", "");
    await shoot(page, "login");
    await login(page, TOKEN);
    expect(await page.locator("header.top .role").textContent()).toBe("admin");
    expect(await page.locator("header.top nav a").allTextContents()).toEqual([
      "Jobs",
      "Queues",
      "Dead letters",
      "Schedules",
      "Usage",
    ]);
    // Only what was typed is kept, and only for the tab.
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(["ai-jobs.dashboard.token"]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  let planJob = "";
  let planId = "";
  it("shows a job submitted through the API appear live and reach succeeded", async () => {
    await page.locator("span.live.on").waitFor();
    ({ jobId: planJob, planId } = await submitPlan());
    const row = page.locator(`tr[data-job-id="${planJob}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.locator(`tr[data-job-id="${planJob}"][data-status="running"]`).waitFor({ timeout: 15_000 });
    await shoot(page, "jobs-live");
    await page.locator(`tr[data-job-id="${planJob}"][data-status="succeeded"]`).waitFor({ timeout: 30_000 });
  });

  it("opens the job: its timeline, drafted content, result, usage and trace link", async () => {
    await page.click(`a[href="#/jobs/${planJob}"]`);
    await page.locator("table.timeline tr[data-kind=succeeded]").waitFor({ timeout: 10_000 });
    const kinds = await page
      .locator("table.timeline tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
    expect(kinds[0]).toBe("queued");
    expect(kinds).toContain("started");
    expect(kinds).toContain("progress");
    expect(await page.locator(".drafted ol.days > li").count()).toBe(5);
    expect(await page.locator("dl.result").textContent()).toContain(planId);
    const trace = await page.locator("a", { hasText: "Open in Jaeger" }).getAttribute("href");
    expect(trace).toMatch(new RegExp(`^${JAEGER}/trace/[0-9a-f]{32}$`));
    await page.locator("section", { hasText: "LLM usage" }).locator("table, .empty").first().waitFor();
    await shoot(page, "job-detail", 1150);
  });

  it("shows the queues' figures, live, and the last hour's chart", async () => {
    await page.click("nav a[href='#/queues']");
    const workers = page.locator("[data-queue=ai_generation] [data-figure=workers]");
    await workers.waitFor();
    expect(Number.parseInt((await workers.textContent()) ?? "", 10)).toBeGreaterThanOrEqual(1);
    expect(
      Number.parseInt((await page.locator("[data-queue=ingest] [data-figure=workers]").textContent()) ?? "", 10),
    ).toBe(1);
    await waitFor(
      async () => (await page.locator("[data-queue=ai_generation] svg path.line").count()) === 2 || undefined,
      {
        what: "the history chart",
        timeoutMs: 10_000,
      },
    );
    await shoot(page, "queues");
  });

  it("replays a dead letter", async () => {
    // A day the plan does not have: the job fails for good at once, and is dead-lettered.
    const res = await post(`/api/ai/study-plans/${planId}/days/no-such-day/generate/`, {});
    expect(res.status).toBe(202);
    const dead = String(res.body.job_id);
    const seq = await waitFor(
      async () => {
        const list = await api("/api/ai/admin/dead-letters/");
        return (list.body.items as Array<{ job_id: string; seq: number }>).find((d) => d.job_id === dead)?.seq;
      },
      { what: "the dead letter", timeoutMs: 20_000 },
    );
    await page.click("nav a[href='#/dead-letters']");
    // Its replay fails the same way, and is dead-lettered anew (another row): this one is found by its sequence.
    const row = page.locator(`tr[data-seq="${seq}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator("[data-field=replayed]").textContent()).toBe("—");
    await row.getByRole("button", { name: "Replay" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Replayed: job ${dead}` })
      .waitFor();
    await waitFor(async () => ((await row.locator("[data-field=replayed]").textContent()) !== "—" ? true : undefined), {
      what: "replayed_at to be shown",
      timeoutMs: 5_000,
    });
    await shoot(page, "dead-letters");
  });

  it("cancels a filtered selection in bulk", async () => {
    const delayed = await Promise.all([1, 2, 3].map(() => submitPlan({ delay_ms: 600_000 })));
    const ids = delayed.map((d) => d.jobId);
    await page.click("nav a[href='#/jobs']");
    await page.selectOption("select[name=status]", "queued");
    await page.selectOption("select[name=type]", "plan.generate");
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator("tbody tr").count()).toBe(3);
    await page.getByLabel("Select all shown").check();
    await page.getByRole("button", { name: "Cancel selected (3)" }).click();
    await shoot(page, "jobs-bulk");
    await page.getByRole("button", { name: "Yes, cancel" }).click();
    await page.getByRole("status").filter({ hasText: "Cancelled 3 of 3 jobs." }).waitFor({ timeout: 10_000 });
    for (const id of ids) expect((await api(`/api/ai/jobs/${id}/`)).body.status).toBe("cancelled");
    // They no longer match the filter: the list empties.
    await page.locator("p.empty", { hasText: "No jobs match." }).waitFor({ timeout: 10_000 });
  });

  it("shows schedules and token usage", async () => {
    // The whole list by now: succeeded, failed, cancelled jobs.
    await page.click("text=Clear filters");
    await page.locator(`tr[data-job-id="${planJob}"]`).waitFor();
    await shoot(page, "jobs");
    await page.click("nav a[href='#/schedules']");
    await page.locator("td", { hasText: "maintenance.retention" }).first().waitFor();
    await shoot(page, "schedules");
    await page.click("nav a[href='#/usage']");
    await page.locator("h2", { hasText: "By day and model" }).waitFor();
    await shoot(page, "usage");
  });

  it("shows a viewer (a read-only API key) no action buttons and no admin pages; once revoked, back to login", async () => {
    const created = await post("/api/ai/api-keys/", { name: "dashboard viewer", scopes: ["read"] });
    expect(created.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    try {
      const viewer = await openPage(context);
      await login(viewer, String(created.body.key));
      expect(await viewer.locator("header.top .role").textContent()).toBe("viewer");
      expect(await viewer.locator("header.top nav a").allTextContents()).toEqual(["Jobs", "Schedules", "Usage"]);
      await viewer.locator(`tr[data-job-id="${planJob}"]`).waitFor();
      expect(await viewer.locator("main button, main input[type=checkbox]").count()).toBe(0);
      await shoot(viewer, "viewer-jobs");
      await viewer.click(`a[href="#/jobs/${planJob}"]`);
      await viewer.locator("table.timeline").waitFor();
      expect(await viewer.locator("main button").count()).toBe(0);
      // An admin page by its address: refused in the page, and the API would say 403 anyway.
      await viewer.goto(`${stack.gatewayUrl}/dashboard/#/queues`);
      await viewer.getByText("This page is for administrators.").waitFor();
      // The key is revoked: the next call is a 401, and the page is the login form again, saying why.
      expect((await api(`/api/ai/api-keys/${String(created.body.id)}/`, { method: "DELETE" })).status).toBe(204);
      await viewer.click("nav a[href='#/schedules']");
      await viewer.getByRole("alert").filter({ hasText: "401" }).waitFor({ timeout: 10_000 });
      expect(await viewer.locator("#token").isVisible()).toBe(true);
      expect(await viewer.evaluate(() => sessionStorage.length)).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("logged no script error and no CSP refusal", () => {
    expect(problems).toEqual([]);
  });
});
