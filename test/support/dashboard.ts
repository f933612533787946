import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "@ai-jobs/testkit";

/** Debian's chromium, or CHROMIUM_PATH: the browser tests use what the machine has and download none. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM_PATH);

/** Where the browser tests save their screenshots (gitignored); `DASHBOARD_SCREENSHOTS` puts them elsewhere. */
export function screenshotDir(): string {
  const dir = process.env.DASHBOARD_SCREENSHOTS ?? path.join(repoRoot(), ".test-output", "dashboard");
  mkdirSync(dir, { recursive: true });
  return dir;
}
