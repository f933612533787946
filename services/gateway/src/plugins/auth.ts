import type { Authenticator, AuthOutcome, Principal, StreamTokens } from "@ai-jobs/runtime";
import { forbidden, unauthorized } from "@ai-jobs/runtime";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { type Access, allows, defaultAccess } from "../domain/access.js";
import type { Caller } from "../domain/context.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller. Reading it on a public route throws a 401. */
    readonly principal: Principal;
  }
  interface FastifyContextConfig {
    /** No bearer token needed (health checks). */
    public?: boolean;
    /** What the caller's role must allow; GET/HEAD default to `read`, other methods to `write`. */
    access?: Access;
  }
}

export interface AuthOptions {
  authenticator: Authenticator;
  /** Checks `?token=` on `access: "stream"` routes; no stream tokens without it. */
  streamTokens?: StreamTokens;
}

/**
 * Resolves the caller before the body is read and checks its role against the route's access. Every route needs it
 * unless it is marked `config: { public: true }`: no credentials or bad ones are a 401, a role that may not is a 403.
 * A stream token (`?token=`) counts only on `access: "stream"` routes.
 */
export const authPlugin = fp<AuthOptions>(
  async (app, opts) => {
    const principals = new WeakMap<FastifyRequest, Principal>();
    app.decorateRequest("principal", {
      getter(this: FastifyRequest): Principal {
        const principal = principals.get(this);
        if (!principal) throw unauthorized();
        return principal;
      },
    });
    app.addHook("onRequest", async (request) => {
      // Unknown routes answer 404 whoever asks.
      if (request.is404 || request.routeOptions.config.public === true) return;
      const access = request.routeOptions.config.access ?? defaultAccess(request.method);
      const outcome = await authenticate(opts, request, access);
      if ("refused" in outcome) throw unauthorized(outcome.refused);
      if (!allows(outcome.principal.role, access)) {
        throw forbidden(`the ${outcome.principal.role} role may not do this`);
      }
      principals.set(request, outcome.principal);
    });
  },
  { name: "auth" },
);

async function authenticate(opts: AuthOptions, request: FastifyRequest, access: Access): Promise<AuthOutcome> {
  const { authorization } = request.headers;
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.token;
  if (access === "stream" && authorization === undefined && typeof token === "string") {
    const principal = await opts.streamTokens?.verify(token);
    return principal ? { principal } : { refused: "invalid" };
  }
  return opts.authenticator.authenticate(authorization);
}

/** The caller of a use case: the request's principal and its request-bound logger. */
export const callerOf = (request: FastifyRequest): Caller => ({ principal: request.principal, log: request.log });
