import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
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

const newest = (p: string): number =>
  statSync(p).isDirectory()
    ? Math.max(0, ...readdirSync(p).map((name) => newest(path.join(p, name))))
    : statSync(p).mtimeMs;

/**
 * Builds the dashboard (`vite build` into libs/dashboard/dist/www) unless its build is newer than its sources: the
 * gateway reads the built files at boot, and `npm test` does not run `npm run build`.
 */
export function ensureDashboardBuilt(): void {
  const dir = path.join(repoRoot(), "libs", "dashboard");
  const built = path.join(dir, "dist", "www", "index.html");
  const sources = ["src", "index.html", "vite.config.ts", path.join("..", "contracts", "src")].map((p) =>
    path.join(dir, p),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) return;
  execFileSync(process.execPath, [path.join(repoRoot(), "node_modules", "vite", "bin", "vite.js"), "build"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 60_000,
  });
}
