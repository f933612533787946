import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** One built file, ready to send: its bytes (and gzipped, when that is smaller), type, ETag and caching. */
export interface DashboardAsset {
  body: Buffer;
  gzip: Buffer | undefined;
  contentType: string;
  etag: string;
  /** Vite's content-hashed files (`assets/…`) never change under their name; index.html must be revalidated. */
  immutable: boolean;
}

/** The built dashboard by path under `/dashboard/` (`""` is index.html). */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = /^(text\/|application\/json|image\/svg)/;

/**
 * Where `npm run build` puts the dashboard: `libs/dashboard/dist/www`, found through the workspace package (undefined
 * when the package is not installed).
 */
export function dashboardDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("@ai-jobs/dashboard/package.json");
    return path.join(path.dirname(pkg), "dist", "www");
  } catch {
    return undefined;
  }
}

/**
 * Reads the built dashboard into memory once (a few files, about 100 KiB): requests are answered from this map only,
 * so no request path ever reaches the file system. Undefined when it was not built.
 */
export function loadDashboardAssets(dir: string | undefined = dashboardDir()): DashboardAssets | undefined {
  if (dir === undefined || !existsSync(path.join(dir, "index.html"))) return undefined;
  const assets = new Map<string, DashboardAsset>();
  for (const file of filesUnder(dir)) {
    const rel = path.relative(dir, file).split(path.sep).join("/");
    const body = readFileSync(file);
    const contentType = TYPES[path.extname(file)] ?? "application/octet-stream";
    const zipped = COMPRESSIBLE.test(contentType) ? gzipSync(body) : undefined;
    assets.set(rel === "index.html" ? "" : rel, {
      body,
      gzip: zipped && zipped.length < body.length ? zipped : undefined,
      contentType,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      immutable: rel.startsWith("assets/"),
    });
  }
  return assets;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}
