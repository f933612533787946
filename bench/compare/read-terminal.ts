/**
 * "Terminal status readable": the time the gateway's `GET /api/ai/jobs/{id}/` first answers a job as succeeded.
 * Polled from the moment its no-op handler returned, back to back (one request in flight per job), so what is
 * measured is when a client asking would have seen it, not a polling interval.
 */
import { TOKEN } from "../../test/support/stack.js";

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

export async function readTerminalAt(gatewayUrl: string, jobId: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${gatewayUrl}/api/ai/jobs/${jobId}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const at = performance.now();
    const body = (await res.json()) as { status?: string };
    if (res.status === 200 && body.status && TERMINAL.has(body.status)) return at;
    if (at > deadline) throw new Error(`job ${jobId} not readable as finished after ${timeoutMs} ms (${res.status})`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
