/** The machine and the versions every row of the comparison states. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { mongoBackendLabel, repoRoot } from "@ai-jobs/testkit";
import { Queue } from "bullmq";
import { REDIS } from "./redis.js";

export interface BenchEnv {
  machine: string;
  versions: string;
  /** 1-, 5- and 15-minute load averages when the suite started: the machine may be shared. */
  load: string;
}

const toolVersion = (tool: string, pattern: RegExp): string => {
  try {
    const out = execFileSync(path.join(repoRoot(), ".tools", "bin", tool), ["--version"]).toString();
    return out.match(pattern)?.[1] ?? "?";
  } catch {
    return "?";
  }
};

const packageVersion = (name: string): string => {
  const file = path.join(repoRoot(), "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
};

async function redisVersion(): Promise<string> {
  const queue = new Queue("bench-version", { connection: REDIS });
  try {
    const info = await (await queue.client).info();
    return info.match(/redis_version:(\S+)/)?.[1] ?? "?";
  } finally {
    await queue.close();
  }
}

export async function benchEnv(withRedis: boolean): Promise<BenchEnv> {
  const cpu = os.cpus()[0]?.model.trim() ?? "?";
  return {
    machine: `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    versions: [
      `Node ${process.version}`,
      `nats-server ${toolVersion("nats-server", /\bv(\d\S*)/)}`,
      withRedis ? `Redis ${await redisVersion()}, BullMQ ${packageVersion("bullmq")}` : "no Redis (BullMQ skipped)",
      await mongoBackendLabel(),
    ].join(", "),
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", "),
  };
}
