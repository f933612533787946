import { describe, expect, it } from "vitest";
import { CHART, linePath, toPlot } from "./chart-path.js";

const scale = { x0: 0, x1: 60_000, yMax: 10 };

describe("the history chart's lines", () => {
  it("scales time across and values up the plot", () => {
    expect(toPlot({ x: 0, y: 0 }, scale)).toEqual({ x: CHART.PAD.left, y: CHART.HEIGHT - CHART.PAD.bottom });
    expect(toPlot({ x: 60_000, y: 10 }, scale)).toEqual({ x: CHART.WIDTH - CHART.PAD.right, y: CHART.PAD.top });
  });

  it("lifts the pen over missing samples", () => {
    const path = linePath(
      [
        { x: 0, y: 1 },
        { x: 1_000, y: 2 },
        { x: 30_000, y: 3 },
      ],
      scale,
      2_500,
    );
    expect(path.match(/[ML]/g)).toEqual(["M", "L", "M"]);
  });
});
