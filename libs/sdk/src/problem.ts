import { CODE_OF_STATUS, Problem } from "@ai-jobs/contracts";
import { ApiError } from "./errors.js";
import { parseRetryAfter } from "./retry-after.js";

/** The typed error of an answer with an error status, from its problem+json body (or from its status alone). */
export async function apiErrorOf(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
  const requestId = res.headers.get("x-request-id") ?? undefined;
  const text = await res.text().catch(() => "");
  const problem = Problem.safeParse(parseJson(text));
  if (problem.success) {
    const { type, title, code, detail, errors, instance } = problem.data;
    return new ApiError({ status: res.status, type, title, code, detail, errors, instance, retryAfter, requestId });
  }
  return new ApiError({
    status: res.status,
    type: "about:blank",
    title: res.statusText || `HTTP ${res.status}`,
    code: CODE_OF_STATUS[res.status] ?? `HTTP_${res.status}`,
    detail: text.slice(0, 200) || undefined,
    retryAfter,
    requestId,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
