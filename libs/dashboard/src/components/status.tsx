/** A job's status as a coloured badge (the colour is a class: no inline style). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function ProgressBar({ pct }: { pct: number }) {
  const value = Math.max(0, Math.min(100, Math.round(pct)));
  return (
    <progress class="progress" max={100} value={value} aria-label={`${value} %`}>
      {value} %
    </progress>
  );
}
