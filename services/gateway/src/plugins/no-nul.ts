import { invalid } from "@ai-jobs/runtime";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

export const NUL_MESSAGE = "must not contain NUL characters";

/**
 * Where the first string (or object key) holding a NUL character is, as `body.goal`; undefined when none does.
 * Walks without recursion: a JSON body may nest deeper than the call stack.
 */
export function nulAt(value: unknown, root: string): string | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, path] = top;
    if (typeof v === "string") {
      if (v.includes("\u0000")) return path;
    } else if (v !== null && typeof v === "object" && !Buffer.isBuffer(v)) {
      for (const [key, child] of Object.entries(v)) {
        if (key.includes("\u0000")) return path;
        stack.push([child, `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses a NUL character in a request's path parameters, query or JSON body with a 400, before any handler runs.
 * No field of the API takes one, and FerretDB (MongoDB over PostgreSQL) cannot store or even compare a string that
 * holds one: the query fails, which would be a 500. Multipart fields are checked where they are read
 * (routes/materials.ts).
 */
export const noNulPlugin: FastifyPluginAsync = fp(
  async (app) => {
    app.addHook("preValidation", async (request) => {
      const found = nulAt(request.params, "params") ?? nulAt(request.query, "query") ?? nulAt(request.body, "body");
      if (found !== undefined) throw invalid(found, NUL_MESSAGE);
    });
  },
  { name: "no-nul" },
);
