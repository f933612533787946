import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@ai-jobs/testkit";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SERVICES = ["gateway", "events", "planner", "ingestor"] as const;

/** Runs a service's main as `npm run dev` does, and returns how it ended. */
async function boot(service: string, env: Record<string, string>) {
  const entry = path.join(repoRoot(), "services", service, "src", "main.ts");
  try {
    const { stdout, stderr } = await run(process.execPath, ["--conditions=source", "--import", "tsx", entry], {
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 30_000,
    });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("every service boots through the one service shell", () => {
  it.each(SERVICES)("%s: a bad setting is one fatal JSON line naming it, and exit code 1", async (service) => {
    const { code, output } = await boot(service, {
      JOBS_MAX_PER_TENANT_TENANTS: "trial=0",
      AUTH_TOKENS: "t:acme:admin",
    });
    expect(code).toBe(1);
    const lines = output.trim().split("\n");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    expect(line).toMatchObject({ level: "fatal", service, msg: "boot failed" });
    expect(String(line.err)).toContain("JOBS_MAX_PER_TENANT_TENANTS");
  });
});
