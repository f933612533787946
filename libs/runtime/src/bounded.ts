/**
 * Runs `work` over `items` with at most `limit` running at once and gives the results in input order. Only `limit`
 * items are ever under way: each runner takes the next item when it finishes one, so a 366-item list starts no more
 * work than a 4-item one. On the first failure no further item starts, the items in flight are aborted through the
 * signal each one gets, and that first error is thrown once they have settled (never an abort it caused). When the
 * caller's signal fires, its reason is thrown.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T, index: number, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  signal.throwIfAborted();
  const stop = new AbortController();
  const inner = AbortSignal.any([signal, stop.signal]);
  const results = new Array<R>(items.length);
  const next = items.entries();
  let failure: { error: unknown } | undefined;

  const runner = async () => {
    for (let entry = next.next(); !entry.done; entry = next.next()) {
      if (failure || inner.aborted) return;
      const [index, item] = entry.value;
      try {
        results[index] = await work(item, index, inner);
      } catch (error) {
        failure ??= { error };
        stop.abort(error);
      }
    }
  };
  const runners = Math.max(1, Math.min(Math.floor(limit), items.length));
  await Promise.all(Array.from({ length: runners }, runner));
  // The caller's own abort (timeout, cancellation) is the reason, whatever the items threw on the way out.
  signal.throwIfAborted();
  if (failure) throw failure.error;
  return results;
}
