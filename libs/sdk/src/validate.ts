import type { z } from "zod";
import { ResponseError } from "./errors.js";

/** One line per zod issue: `path: message`. */
export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
}

/** Checks what the server sent against the API's schema: the SDK is a boundary, and trusts no answer unchecked. */
export function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ResponseError(`unexpected answer from ${what}`, issuesOf(parsed.error));
  return parsed.data;
}
