/** A run of consecutive days of a plan by 0-based index: days `first` … `first + count - 1`. */
export interface DayRange {
  first: number;
  count: number;
}

/** Whether day `index` lies in `range`. */
export const inRange = (range: DayRange, index: number) => index >= range.first && index < range.first + range.count;

/**
 * `range` cut into the fewest pieces of at most `maxDays`, as even as possible (30 days by 14: 10, 10, 10, not
 * 14, 14, 2), so parallel pieces take about as long as each other.
 */
export function chunkRange(range: DayRange, maxDays: number): DayRange[] {
  const pieces = Math.ceil(range.count / Math.max(1, maxDays));
  const chunks: DayRange[] = [];
  let first = range.first;
  for (let p = 0; p < pieces; p++) {
    const count = Math.floor(range.count / pieces) + (p < range.count % pieces ? 1 : 0);
    chunks.push({ first, count });
    first += count;
  }
  return chunks;
}

/** The runs of days `0 … total - 1` that `has` says are missing, in order. */
export function missingRanges(total: number, has: (index: number) => boolean): DayRange[] {
  const missing: DayRange[] = [];
  for (let index = 0; index < total; index++) {
    if (has(index)) continue;
    const last = missing.at(-1);
    if (last && last.first + last.count === index) last.count += 1;
    else missing.push({ first: index, count: 1 });
  }
  return missing;
}
