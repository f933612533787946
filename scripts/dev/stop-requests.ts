// When `npm run dev` stops: on SIGINT (Ctrl-C), SIGTERM or SIGHUP, or when its parent goes away.

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** Signals this soon after the first are one request: a Ctrl-C reaches npm, which forwards it, and this process. */
const SAME_REQUEST_MS = 2_000;

/**
 * Calls `stop(reason)` on the first SIGINT, SIGTERM or SIGHUP, and when the parent process exits (npm killed by a
 * signal it does not forward, SIGHUP or SIGKILL, would otherwise leave the stack running as an orphan). A signal
 * later than SAME_REQUEST_MS after the first (a second Ctrl-C) calls `force()`.
 */
export function onStopRequest(stop: (reason: string) => void, force: () => void): void {
  let first: number | undefined;
  const request = (reason: string) => {
    if (first === undefined) {
      first = Date.now();
      stop(reason);
    } else if (Date.now() - first > SAME_REQUEST_MS) {
      force();
    }
  };
  for (const signal of SIGNALS) process.on(signal, () => request(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    // Not a second request: the parent may well go because of the first.
    if (first === undefined) request("parent exited");
  }, 500);
  watch.unref();
}
