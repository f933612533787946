import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./repo.js";

const run = promisify(execFile);

/** The newest modification time of a file, or of anything under a directory. */
function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const stat = statSync(p);
  return stat.isDirectory() ? Math.max(0, ...readdirSync(p).map((name) => newest(path.join(p, name)))) : stat.mtimeMs;
}

/** Whether libs/dashboard/dist/www is missing or older than its sources (or those of the SDK and contracts it bundles). */
export function dashboardBuildIsStale(root: string = repoRoot()): boolean {
  const dir = path.join(root, "libs", "dashboard");
  const built = path.join(dir, "dist", "www", "index.html");
  if (!existsSync(built)) return true;
  const sources = ["src", "index.html", "vite.config.ts", "package.json", "../contracts/src", "../sdk/src"];
  return statSync(built).mtimeMs < Math.max(...sources.map((p) => newest(path.join(dir, p))));
}

/**
 * Builds the dashboard (`vite build` into libs/dashboard/dist/www, under a second) when its build is stale: the
 * gateway reads the built files at boot, and neither `npm test` nor `npm run dev` runs `npm run build`. Answers
 * whether it built.
 */
export async function ensureDashboardBuilt(root: string = repoRoot()): Promise<boolean> {
  if (!dashboardBuildIsStale(root)) return false;
  const vite = path.join(root, "node_modules", "vite", "bin", "vite.js");
  await run(process.execPath, [vite, "build"], { cwd: path.join(root, "libs", "dashboard"), timeout: 120_000 });
  return true;
}
