/** The chart's drawing box (SVG user units): its size and the padding around the plot for the axis labels. */
export const CHART = { WIDTH: 600, HEIGHT: 160, PAD: { left: 40, right: 8, top: 8, bottom: 20 } } as const;
const { WIDTH, HEIGHT, PAD } = CHART;

export interface Scale {
  /** The time window, ms since the epoch. */
  x0: number;
  x1: number;
  /** The value at the top of the plot. */
  yMax: number;
}

/** Where a point lands in the drawing box. */
export function toPlot(p: { x: number; y: number }, scale: Scale): { x: number; y: number } {
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  return {
    x: PAD.left + ((p.x - scale.x0) / Math.max(1, scale.x1 - scale.x0)) * w,
    y: PAD.top + h - (p.y / Math.max(1, scale.yMax)) * h,
  };
}

/** The SVG path of points scaled into the plot; a gap longer than `gapMs` (missing samples) lifts the pen. */
export function linePath(points: ReadonlyArray<{ x: number; y: number }>, scale: Scale, gapMs: number): string {
  let path = "";
  let prevX: number | undefined;
  for (const p of points) {
    const { x, y } = toPlot(p, scale);
    const pen = prevX === undefined || p.x - prevX > gapMs ? "M" : "L";
    path += `${pen}${x.toFixed(1)},${y.toFixed(1)}`;
    prevX = p.x;
  }
  return path;
}
