/**
 * The longest time between two runs of a 5 ms timer while `work` runs: how long the event loop was held at a stretch
 * (what a worker's heartbeat, or any other request, would have waited).
 */
export async function longestEventLoopStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(probe);
  }
  return Math.max(longest, performance.now() - last);
}
