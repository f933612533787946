/** One line of a chart: its name (legend) and its points, x in ms since the epoch. */
export interface Series {
  name: string;
  /** A CSS class that colours the line (`series-a`, `series-b`). */
  className: string;
  points: Array<{ x: number; y: number }>;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD = { left: 40, right: 8, top: 8, bottom: 20 };

/** The SVG path of points scaled into the plot; a gap longer than `gapMs` lifts the pen. */
export function linePath(
  points: ReadonlyArray<{ x: number; y: number }>,
  scale: { x0: number; x1: number; yMax: number },
  gapMs: number,
): string {
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const span = Math.max(1, scale.x1 - scale.x0);
  let path = "";
  let prevX: number | undefined;
  for (const p of points) {
    const x = PAD.left + ((p.x - scale.x0) / span) * w;
    const y = PAD.top + h - (p.y / Math.max(1, scale.yMax)) * h;
    const pen = prevX === undefined || p.x - prevX > gapMs ? "M" : "L";
    path += `${pen}${x.toFixed(1)},${y.toFixed(1)}`;
    prevX = p.x;
  }
  return path;
}

/** A small line chart over a time window (SVG, no library), with its y maximum and the window's ends. */
export function LineChart(props: { title: string; series: Series[]; from: number; to: number; gapMs: number }) {
  const yMax = Math.max(1, ...props.series.flatMap((s) => s.points.map((p) => p.y)));
  const scale = { x0: props.from, x1: props.to, yMax };
  const minutes = Math.round((props.to - props.from) / 60_000);
  return (
    <figure class="chart">
      <figcaption>
        {props.title}
        {props.series.map((s) => (
          <span key={s.name} class={`legend ${s.className}`}>
            {s.name}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        <line class="axis" x1={PAD.left} y1={HEIGHT - PAD.bottom} x2={WIDTH - PAD.right} y2={HEIGHT - PAD.bottom} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={HEIGHT - PAD.bottom} />
        <text class="tick" x={PAD.left - 4} y={PAD.top + 8} text-anchor="end">
          {Math.round(yMax)}
        </text>
        <text class="tick" x={PAD.left - 4} y={HEIGHT - PAD.bottom} text-anchor="end">
          0
        </text>
        <text class="tick" x={PAD.left} y={HEIGHT - 4}>
          −{minutes} min
        </text>
        <text class="tick" x={WIDTH - PAD.right} y={HEIGHT - 4} text-anchor="end">
          now
        </text>
        {props.series.map((s) => (
          <path key={s.name} class={`line ${s.className}`} d={linePath(s.points, scale, props.gapMs)} />
        ))}
        {props.series.map((s) =>
          s.points.length === 1 && s.points[0] ? (
            <circle
              key={`${s.name}-dot`}
              class={`dot ${s.className}`}
              r={3}
              cx={
                PAD.left +
                ((s.points[0].x - props.from) / Math.max(1, props.to - props.from)) * (WIDTH - PAD.left - PAD.right)
              }
              cy={PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - s.points[0].y / yMax)}
            />
          ) : null,
        )}
      </svg>
    </figure>
  );
}
