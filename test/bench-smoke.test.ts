import { describe, expect, it } from "vitest";
import { renderSuite } from "../bench/compare/render.js";
import { SMOKE } from "../bench/compare/smoke.js";
import { runSuite } from "../bench/compare/suite.js";
import { END, replaceBetweenMarkers, START } from "../bench/compare/write-docs.js";

/**
 * The comparison benchmark (`npm run bench`) at a tiny size: every scenario runs against the real servers (NATS,
 * FerretDB, Redis for BullMQ, the service processes), and the harness produces complete, sane rows. No timing is
 * asserted: the numbers belong in docs/BENCHMARKS.md, made by the full manual run.
 */
describe("benchmark harness (smoke)", () => {
  it("runs every scenario once at a tiny size and renders a complete table", async () => {
    const s = await runSuite(SMOKE);

    const systems = s.dispatch.map((row) => `${row.system}${row.prefilled ? " prefilled" : ""}:${row.runs[0]?.jobs}`);
    expect(systems).toEqual([
      "raw prefilled:60",
      "bullmq prefilled:60",
      "platform prefilled:60",
      "raw:60",
      "bullmq:60",
      "platform:60",
      "raw:20",
      "bullmq:20",
      "platform:20",
      "platform+projection:20",
      "gateway:20",
    ]);
    for (const { system, prefilled, runs } of s.dispatch) {
      for (const r of runs) {
        expect(r.enqueuePerS, system).toBeGreaterThan(0);
        expect(r.drainPerS, system).toBeGreaterThan(0);
        if (prefilled) continue; // rates only
        expect(r.startP99, system).toBeGreaterThanOrEqual(r.startP50);
        // Every system but the unstored platform row has a terminal time for every job, after its start.
        if (system !== "platform") expect(r.terminalP50, system).toBeGreaterThanOrEqual(r.startP50);
      }
    }

    expect(s.load).toHaveLength(1);
    const [load] = s.load[0] ?? [];
    expect(load?.ok).toBeGreaterThan(0);
    expect(load?.p99).toBeGreaterThanOrEqual(load?.p50 ?? Number.NaN);

    const [priority] = s.priority;
    expect(priority?.criticalWaitMs).toBeGreaterThan(0);
    expect(priority?.queuedAhead).toBeGreaterThan(0);

    expect(s.recovery.map((r) => r.recoveryMs.length)).toEqual([1]);
    expect(s.recovery[0]?.recoveryMs[0]).toBeGreaterThan(0);

    expect(s.sse[0]?.delivered).toBe(s.sse[0]?.expected);

    const markdown = renderSuite(s);
    expect(markdown).toContain("median of 1 runs");
    expect(markdown).toContain("BullMQ");
    expect(markdown).not.toContain("NaN");
    expect(markdown).toContain("Full queue");
    const doc = replaceBetweenMarkers(`# B\n\nintro\n\n${START}\nold\n${END}\n\nafter\n`, markdown);
    expect(doc).toContain(markdown);
    expect(doc).not.toContain("old");
    expect(doc).toContain("after");
  }, 300_000);
});
