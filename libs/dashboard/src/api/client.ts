import { AiJobsClient } from "@ai-jobs/sdk";

/**
 * The dashboard's API client is the SDK's (`@ai-jobs/sdk`): every call a page makes goes through it, answers checked
 * against the API's schemas, errors typed (`ApiError` with the problem's `detail` and `Retry-After`), SSE over fetch
 * with the Authorization header, resumed with `Last-Event-ID`.
 */
export type Client = AiJobsClient;

/** A client of this page's own origin (the gateway that served it), with what the user typed as the bearer token. */
export function createClient(token: string): Client {
  return new AiJobsClient({ baseUrl: window.location.origin, token });
}
