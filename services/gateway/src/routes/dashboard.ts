import { ERROR_CODES } from "@ai-jobs/contracts";
import { AppError, notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { DashboardAssets } from "../data/dashboard-assets.js";

export interface DashboardRoutesOptions {
  /** The built files; undefined when the dashboard was not built (every path is then a 404 that says so). */
  assets: DashboardAssets | undefined;
}

/**
 * The API's policy is `default-src 'none'` (no response of it is a document). The dashboard is one: its own scripts,
 * styles and images, and calls to this origin only; nothing from elsewhere, no inline script, no framing.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const quiet = { config: { public: true }, logLevel: "warn" } as const;

/**
 * `GET /dashboard/…`: the built web dashboard, from memory, without a token (the page holds no data; every data call
 * it makes is authenticated). Hashed assets are cached for good, index.html is revalidated (ETag); gzip when asked.
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, opts) => {
  // Runs after the API's security headers (registered on the root), so this document policy replaces theirs.
  app.addHook("onRequest", async (_request, reply) => {
    reply.header("content-security-policy", DASHBOARD_CSP);
  });

  const serve = (file: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!opts.assets) throw new AppError(404, ERROR_CODES.notFound, "the dashboard is not built: run npm run build");
    const asset = opts.assets.get(file);
    if (!asset) throw notFound("dashboard file");
    reply
      .header("content-type", asset.contentType)
      .header("etag", asset.etag)
      .header("vary", "accept-encoding")
      .header("cache-control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
    const acceptsGzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    if (asset.gzip && acceptsGzip) return reply.header("content-encoding", "gzip").send(asset.gzip);
    return reply.send(asset.body);
  };

  app.get("/dashboard", quiet, serve(""));
  app.get<{ Params: { "*": string } }>("/dashboard/*", quiet, (request, reply) =>
    serve(request.params["*"])(request, reply),
  );
};
