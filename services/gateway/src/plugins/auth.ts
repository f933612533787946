import { authenticate, type Principal } from "@ai-jobs/runtime";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Caller } from "../domain/context.js";
import { unauthorized } from "../domain/errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller. Reading it on a public route throws a 401. */
    readonly principal: Principal;
  }
  interface FastifyContextConfig {
    /** No bearer token needed (health checks). */
    public?: boolean;
  }
}

export interface AuthOptions {
  tokens: ReadonlyMap<string, Principal>;
}

/**
 * Resolves `Authorization: Bearer …` to the request's principal before the body is read. Every route needs it
 * unless it is marked `config: { public: true }`; a missing or unknown token gets a 401 problem.
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
      const principal = authenticate(opts.tokens, request.headers.authorization);
      if (!principal) throw unauthorized();
      principals.set(request, principal);
    });
  },
  { name: "auth" },
);

/** The caller of a use case: the request's principal and its request-bound logger. */
export const callerOf = (request: FastifyRequest): Caller => ({ principal: request.principal, log: request.log });
