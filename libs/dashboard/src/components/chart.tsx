import { CHART, linePath, toPlot } from "./chart-path.js";

const { WIDTH, HEIGHT, PAD } = CHART;

/** One line of a chart: its name (legend) and its points, x in ms since the epoch. */
export interface Series {
  name: string;
  /** A CSS class that colours the line (`series-a`, `series-b`). */
  className: string;
  points: Array<{ x: number; y: number }>;
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
        {props.series.map((s) => {
          // A lone sample has no line: a dot shows it.
          const only = s.points.length === 1 ? s.points[0] : undefined;
          if (!only) return null;
          const at = toPlot(only, scale);
          return <circle key={`${s.name}-dot`} class={`dot ${s.className}`} r={3} cx={at.x} cy={at.y} />;
        })}
      </svg>
    </figure>
  );
}
