/**
 * The `ai-jobs` CLI as a real process (its TypeScript sources through tsx, or the built bin) against the real
 * stack: submit, watch, get, queues, uploads, cancel and retry, dead letters, tail, the config file and exit codes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { repoRoot } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, TOKEN } from "./support/stack.js";

let stack: Stack;
let dir: string;

beforeAll(async () => {
  [stack, dir] = await Promise.all([startStack(), mkdtemp(path.join(tmpdir(), "ai-jobs-cli-"))]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const SOURCE_ARGS = ["--conditions=source", "--import", "tsx", path.join(repoRoot(), "libs/cli/src/main.ts")];
const BIN = path.join(repoRoot(), "node_modules/.bin/ai-jobs");

/** Starts the CLI with the stack's URL and token in its environment (unless `env` says otherwise). */
function start(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [...SOURCE_ARGS, ...args], {
    cwd: repoRoot(),
    env: { ...process.env, AI_JOBS_URL: stack.gatewayUrl, AI_JOBS_TOKEN: TOKEN, HOME: dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function finished(child: ChildProcess): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = (args: string[], env?: Record<string, string | undefined>) => finished(start(args, env));

/** The output's JSON lines. */
const jsonLines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const PLAN = ["submit", "plan", "--goal", "Learn linear algebra", "--start", "2026-12-01", "--end", "2026-12-03"];

describe("ai-jobs", () => {
  let planId = "";
  let jobId = "";

  it("submits a plan with --json and watches it to success with --json (exit 0)", async () => {
    const submitted = await cli([...PLAN, "--json"]);
    expect(submitted).toMatchObject({ code: 0, stderr: "" });
    const plan = JSON.parse(submitted.stdout) as { id: string; job_id: string; generation_status: string };
    expect(plan.generation_status).toBe("pending");
    planId = plan.id;
    jobId = plan.job_id;

    const watched = await cli(["watch", jobId, "--json"]);
    expect(watched.code).toBe(0);
    const events = jsonLines(watched.stdout);
    expect(events[0]).toMatchObject({ type: "meta", job_id: jobId, status: "queued" });
    expect(events.some((e) => e.type === "progress" && typeof e.pct === "number")).toBe(true);
    expect(events.at(-2)).toMatchObject({ type: "result", result: { plan_id: planId } });
    expect(events.at(-1)).toMatchObject({ type: "meta", status: "succeeded" });
  });

  it("gets the job, as JSON and for people", async () => {
    const asJson = await cli(["get", jobId, "--json"]);
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      job_id: jobId,
      status: "succeeded",
      result_refs: { plan_id: planId },
    });
    const human = await cli(["get", jobId]);
    expect(human.stdout).toMatch(/^status +succeeded$/m);
    expect(human.stdout).toContain(`"plan_id":"${planId}"`);
  });

  it("lists the queues with --json, and as a table", async () => {
    const asJson = await cli(["queues", "--json"]);
    expect(asJson.code).toBe(0);
    const stats = JSON.parse(asJson.stdout) as { queues: Array<{ queue: string }> };
    expect(stats.queues.map((q) => q.queue).sort()).toEqual(["ai_generation", "ingest"]);
    expect((await cli(["queues"])).stdout).toMatch(/^queue +priority +backlog/);
  });

  it("uploads a file and follows its ingest with --watch: progress bars, then the result (no TTY: one line each)", async () => {
    const file = path.join(dir, "notes.md");
    await writeFile(file, "# Eigenvalues\n\nAn eigenvector keeps its direction.\n");
    const ran = await cli(["submit", "material", planId, file, "--watch"]);
    expect(ran.code).toBe(0);
    const lines = ran.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^job \S+ submitted \(document \S+\)$/);
    expect(lines.some((l) => /\[#+-*\] +\d+%/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/ succeeded \{"document_id":/);
  });

  it("exits 1 when a watched job fails, showing its error; the dead letter is listed and replayed", async () => {
    const submitted = JSON.parse((await cli(["submit", "day", planId, "no-such-day", "--json"])).stdout) as {
      job_id: string;
    };
    const watched = await cli(["watch", submitted.job_id]);
    expect(watched.code).toBe(1);
    expect(watched.stdout.trim().split("\n").at(-1)).toMatch(/ failed: NOT_FOUND: /);

    let seq: number | undefined;
    for (let i = 0; i < 50 && seq === undefined; i++) {
      const letters = JSON.parse((await cli(["dlq", "list", "--json"])).stdout) as Array<{
        seq: number;
        job_id: string;
      }>;
      seq = letters.find((d) => d.job_id === submitted.job_id)?.seq;
    }
    expect(seq).toBeDefined();
    const replayed = await cli(["dlq", "replay", String(seq), "--json"]);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ job_id: submitted.job_id, status: "queued" });
  });

  it("cancels and retries a job", async () => {
    const { job_id } = JSON.parse((await cli([...PLAN, "--delay-ms", "600000", "--json"])).stdout) as {
      job_id: string;
    };
    expect(JSON.parse((await cli(["cancel", job_id, "--json"])).stdout)).toMatchObject({ status: "cancelled" });
    let retried: Ran | undefined;
    // The cancel reaches the job record a moment later; until then a retry is a 409.
    for (let i = 0; i < 20 && retried?.code !== 0; i++) retried = await cli(["retry", job_id, "--json"]);
    expect(JSON.parse(retried?.stdout ?? "")).toMatchObject({ job_id, status: "queued", retries: 1 });
    expect((await cli(["watch", job_id])).code).toBe(0);
  });

  it("tails the tenant's events until interrupted", async () => {
    const child = start(["tail", "--from", "0", "--json"]);
    const ran = finished(child);
    let seen = "";
    let interrupted = false;
    child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
      // One Ctrl-C (a second one ends the CLI at once, with 130).
      if (seen.includes('"status":"succeeded"') && !interrupted) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    const { code, stdout } = await ran;
    expect(code).toBe(0);
    expect(jsonLines(stdout).some((e) => e.type === "result")).toBe(true);
  });

  it("reads the URL and token from a config file, and reports API errors and usage errors by exit code", async () => {
    const config = path.join(dir, "config.json");
    await writeFile(config, JSON.stringify({ url: stack.gatewayUrl, token: TOKEN }));
    const unset = { AI_JOBS_URL: undefined, AI_JOBS_TOKEN: undefined };
    expect(JSON.parse((await cli(["get", jobId, "--config", config, "--json"], unset)).stdout)).toMatchObject({
      job_id: jobId,
    });
    // The default place: $XDG_CONFIG_HOME/ai-jobs/config.json; none there and nothing else is a usage error.
    const xdg = path.join(dir, "xdg");
    await mkdir(path.join(xdg, "ai-jobs"), { recursive: true });
    await writeFile(path.join(xdg, "ai-jobs", "config.json"), JSON.stringify({ url: stack.gatewayUrl, token: TOKEN }));
    expect((await cli(["get", jobId], { ...unset, XDG_CONFIG_HOME: xdg })).code).toBe(0);
    expect(await cli(["get", jobId], { ...unset, XDG_CONFIG_HOME: path.join(dir, "none") })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("AI_JOBS_URL"),
    });

    const missing = await cli(["get", "01NOSUCHJOB0000000000000000", "--json"]);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { status: 404, code: "NOT_FOUND" } });
    const invalid = await cli([
      "submit",
      "plan",
      "--goal",
      "Linear algebra",
      "--start",
      "2026-12-05",
      "--end",
      "2026-12-01",
    ]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain("400 VALIDATION_FAILED");
    expect(invalid.stderr).toContain("end_date: must not be before start_date");
    expect((await cli(["submit", "plan", "--goal", "x"])).code).toBe(2);
    expect((await cli(["watch", "--bogus"])).code).toBe(2);
  });

  it.skipIf(!existsSync(path.join(repoRoot(), "libs/cli/dist/main.js")))(
    "runs as the bin npm links (node_modules/.bin/ai-jobs), once built",
    async () => {
      const ran = await finished(
        spawn(BIN, ["get", jobId, "--json"], {
          cwd: repoRoot(),
          env: { ...process.env, AI_JOBS_URL: stack.gatewayUrl, AI_JOBS_TOKEN: TOKEN },
        }),
      );
      expect(ran.code).toBe(0);
      expect(JSON.parse(ran.stdout)).toMatchObject({ job_id: jobId, status: "succeeded" });
    },
  );
});
