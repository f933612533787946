/**
 * Wraps a read so that it runs at most once per `ttlMs`, and once at a time: concurrent callers share the read in
 * flight. A failed read is not kept. Metric gauges collect through it, so a scrape never costs a broker call each.
 */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number, now = () => Date.now()): () => Promise<T> {
  let value: { at: number; value: T } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (value && now() - value.at < ttlMs) return Promise.resolve(value.value);
    inFlight ??= read()
      .then((v) => {
        value = { at: now(), value: v };
        return v;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
