import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { freePort, repoRoot } from "@ai-jobs/testkit";

/** A headless Chromium on this machine, if there is one (`apt-get install chromium`). */
export function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const found = spawnSync("which", [name], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

/** Whether the SDK, the contracts and zod are built as a browser loads them (`npm run build`). */
export const sdkBuilt = () =>
  ["libs/sdk/dist/index.js", "libs/contracts/dist/index.js"].every((f) => existsSync(join(repoRoot(), f)));

/** URL prefixes of the page's origin and the directories they serve: the built ESM, as published. */
const MOUNTS: Record<string, string> = {
  "/sdk/": "libs/sdk/dist",
  "/contracts/": "libs/contracts/dist",
  "/zod/": "node_modules/zod",
};

const IMPORT_MAP = {
  imports: { "@ai-jobs/sdk": "/sdk/index.js", "@ai-jobs/contracts": "/contracts/index.js", zod: "/zod/index.js" },
};

/** The page: the import map, `report()`, and the test's module; an error it throws is reported as `{thrown}`. */
const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<script>
  window.report = (value) => fetch("/report", { method: "POST", body: JSON.stringify(value) });
  const thrown = (err) => report({ thrown: String((err && err.stack) || err) });
  window.addEventListener("error", (e) => thrown(e.error || e.message));
  window.addEventListener("unhandledrejection", (e) => thrown(e.reason));
</script>
<script type="module" src="/test.js"></script>`;

export interface BrowserPage {
  origin: string;
  /** Loads `script` (an ES module importing `@ai-jobs/sdk`) in headless Chromium; resolves with what it reports. */
  run(script: string, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A page origin on a free port that serves the built SDK with an import map (no bundler: the browser loads the same
 * ESM files Node does), and a headless Chromium to run a script there. The script (an ES module) reports its
 * outcome with `await report(value)`.
 */
export async function startBrowserPage(chromium: string): Promise<BrowserPage> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let script = "";
  let onReport: ((body: string) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", origin).pathname;
    if (path === "/report") {
      let body = "";
      req.on("data", (d: Buffer) => {
        body += d.toString();
      });
      req.on("end", () => {
        res.end();
        onReport?.(body);
      });
      return;
    }
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      return;
    }
    if (path === "/test.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      return;
    }
    const mount = Object.keys(MOUNTS).find((prefix) => path.startsWith(prefix));
    const file = mount && normalize(join(repoRoot(), MOUNTS[mount] ?? "", path.slice(mount.length)));
    if (!file?.startsWith(repoRoot()) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = extname(file) === ".js" ? "text/javascript" : "application/octet-stream";
    res.writeHead(200, { "content-type": type }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

  const profile = mkdtempSync(join(tmpdir(), "ai-jobs-chromium-"));
  const browsers = new Set<ChildProcess>();
  return {
    origin,
    async run(source, timeoutMs = 60_000) {
      script = source;
      const reported = new Promise<string>((resolve) => {
        onReport = resolve;
      });
      const browser = spawn(
        chromium,
        ["--headless=new", "--no-sandbox", "--disable-gpu", `--user-data-dir=${profile}`, `${origin}/`],
        { stdio: "ignore" },
      );
      browsers.add(browser);
      let timer: NodeJS.Timeout | undefined;
      try {
        const body = await Promise.race([
          reported,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`the page reported nothing in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return JSON.parse(body) as unknown;
      } finally {
        clearTimeout(timer);
        // Chromium writes its profile while it exits: wait for it before anything removes the profile.
        const exited = new Promise((resolve) => browser.once("exit", resolve));
        browser.kill("SIGTERM");
        await Promise.race([exited, delay(5_000)]);
        browsers.delete(browser);
      }
    },
    async close() {
      for (const browser of browsers) browser.kill("SIGKILL");
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
