import { join } from "node:path";
import { UsageError } from "./args.js";

export interface Settings {
  url: string;
  token: string;
}

export interface ConfigSources {
  flags: { url?: string | undefined; token?: string | undefined; config?: string | undefined };
  env: Record<string, string | undefined>;
  home: string;
  readText(path: string): Promise<string>;
}

/** `$XDG_CONFIG_HOME/ai-jobs/config.json`, by default `~/.config/ai-jobs/config.json`. */
export function defaultConfigPath(env: Record<string, string | undefined>, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "ai-jobs", "config.json");
}

/**
 * The gateway URL and token: `--url`/`--token`, else `AI_JOBS_URL`/`AI_JOBS_TOKEN`, else the config file
 * (`--config`, or the default one if it exists) `{"url": "…", "token": "…"}`.
 */
export async function resolveSettings(sources: ConfigSources): Promise<Settings> {
  const { flags, env } = sources;
  const file = await readConfig(sources);
  const url = flags.url ?? env.AI_JOBS_URL ?? file.url;
  const token = flags.token ?? env.AI_JOBS_TOKEN ?? file.token;
  if (!url) throw new UsageError("no gateway URL: set AI_JOBS_URL, --url, or url in the config file");
  if (!token) throw new UsageError("no token: set AI_JOBS_TOKEN, --token, or token in the config file");
  return { url, token };
}

async function readConfig(sources: ConfigSources): Promise<{ url?: string; token?: string }> {
  const path = sources.flags.config ?? defaultConfigPath(sources.env, sources.home);
  let text: string;
  try {
    text = await sources.readText(path);
  } catch (err) {
    // The default file is optional; one named with --config is not.
    if (sources.flags.config === undefined && (err as { code?: unknown }).code === "ENOENT") return {};
    throw new UsageError(`cannot read the config file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`the config file ${path} is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`the config file ${path} must hold an object {"url": "…", "token": "…"}`);
  }
  const { url, token } = parsed as Record<string, unknown>;
  for (const [name, value] of [
    ["url", url],
    ["token", token],
  ] as const) {
    if (value !== undefined && typeof value !== "string") throw new UsageError(`${name} in ${path} must be a string`);
  }
  return { ...(typeof url === "string" ? { url } : {}), ...(typeof token === "string" ? { token } : {}) };
}
