import { type Child, formatTail } from "./child.js";
import { waitFor } from "./wait.js";

/**
 * Waits until `probe` succeeds. Fails fast with the child's last output lines if the child exits first, and with
 * them too on timeout; on failure the child is killed so that nothing is left running.
 */
export async function waitUntilReady(
  child: Child,
  probe: () => Promise<boolean>,
  opts: { what: string; timeoutMs: number; tailLines?: number },
): Promise<void> {
  let failure: string;
  try {
    const outcome = await waitFor(async () => (!child.running() ? "exited" : (await probe()) ? "ready" : undefined), {
      what: opts.what,
      timeoutMs: opts.timeoutMs,
      intervalMs: 100,
    });
    if (outcome === "ready") return;
    failure = `${child.name} exited (code ${String(await child.exited)}) before ${opts.what}`;
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  await child.signal("SIGKILL");
  throw new Error(`${failure}\nlast output of ${child.name} (pid ${child.pid}):\n${formatTail(child, opts.tailLines)}`);
}
