// What `npm run dev` runs: the pinned binaries (scripts/bootstrap.sh), NATS and FerretDB over PostgreSQL (or the
// servers NATS_URL / MONGO_URL / PG_URL name), the four services from source, and the banner once the gateway is
// ready. Every process goes through `procs`, which stops them in order.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureDashboardBuilt, httpOk, spawnService } from "@ai-jobs/testkit";
import { printBanner } from "./banner.js";
import { c, say } from "./console.js";
import { DEV_DATABASE, startDevMongo, startDevNats } from "./infra.js";
import { LOOPBACK, serviceListeners } from "./listeners.js";
import type { Processes } from "./processes.js";
import { readSettings, servicePorts, shown } from "./settings.js";

/** scripts/bootstrap.sh, in this process group (a Ctrl-C reaches it as well), ended by a stop. */
async function runBootstrap(root: string, procs: Processes, stopping: () => boolean): Promise<void> {
  const child = spawn("bash", [path.join(root, "scripts", "bootstrap.sh")], { cwd: root, stdio: "inherit" });
  const forget = procs.onStop(() => child.kill(stopping() ? "SIGTERM" : "SIGKILL"));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once("error", () => resolve([null, null]));
    child.once("exit", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  forget();
  if (code !== 0 && !stopping()) throw new Error(`scripts/bootstrap.sh failed (${signal ?? `exit ${code}`})`);
}

/**
 * Starts the stack; resolves once the banner is out (or there is nothing more to wait for). Returns early, leaving
 * the rest to the shutdown, as soon as `stopping()` turns true.
 */
export async function runStack(root: string, procs: Processes, stopping: () => boolean): Promise<void> {
  const settings = readSettings(root);
  await runBootstrap(root, procs, stopping);
  if (stopping()) return;
  mkdirSync(settings.logDir, { recursive: true });

  // The gateway reads the dashboard's built files at boot: built meanwhile, when its sources changed since.
  const dashboard = ensureDashboardBuilt(root).then(
    (built) => built && say(c.dim("dashboard built (libs/dashboard/dist/www)")),
  );
  const [nats, mongoUrl] = await Promise.all([
    startDevNats(settings, procs),
    startDevMongo(settings, procs),
    dashboard,
  ]);
  if (stopping()) return;
  procs.started();

  const ports = await servicePorts(settings);
  const shared = { NATS_URL: nats.url, MONGO_URL: mongoUrl, MONGO_DB: DEV_DATABASE, AUTH_TOKENS: settings.authTokens };
  let gatewayRunning: (() => boolean) | undefined;
  // Loopback only: the stack runs with a well-known admin token.
  for (const svc of serviceListeners(ports)) {
    const entry = path.join(root, "services", svc.name, "src", "main.ts");
    if (!existsSync(entry)) {
      say(c.yellow(`skipping ${svc.name}: ${path.relative(root, entry)} does not exist`));
      continue;
    }
    const service = await spawnService({
      name: svc.name,
      entry,
      env: { ...shared, ...nats.envOf(svc.name), ...svc.env },
      process: procs.run(svc.name, "service"),
    });
    if (svc.name === "gateway") {
      let running = true;
      void service.exited.then(() => {
        running = false;
      });
      gatewayRunning = () => running;
    }
  }
  if (gatewayRunning === undefined) {
    say(c.yellow("no gateway to run; the rest stays up until Ctrl-C"));
    return;
  }

  // The banner once the gateway is ready; if it dies first, its exit has been reported and there is no banner.
  const base = `http://${LOOPBACK}:${ports.gateway}`;
  while (!stopping() && gatewayRunning() && !(await httpOk(`${base}/readyz`))) await sleep(500);
  if (!stopping() && gatewayRunning()) printBanner(base, settings.authTokens, shown(settings, settings.devDir));
}
