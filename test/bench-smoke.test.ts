import { describe, expect, it } from "vitest";
import { renderSuite } from "../bench/compare/render.js";
import { SMOKE } from "../bench/compare/smoke.js";
import { runSuite } from "../bench/compare/suite.js";
import { END, replaceBetweenMarkers, START } from "../bench/compare/write-docs.js";

/**
 * The comparison benchmark (`npm run bench`) at a tiny size: every scenario runs against the real servers (NATS,
 * FerretDB, the service processes, and Redis for BullMQ when one answers), and the harness produces complete, sane
 * rows. No timing is asserted: the numbers belong in docs/BENCHMARKS.md, made by the full manual run.
 */
describe("benchmark harness (smoke)", () => {
  it("runs every scenario once at a tiny size and renders a complete table", async () => {
    const s = await runSuite(SMOKE, (line) => {
      // Said once, so a run without Redis says why the BullMQ rows are missing.
      if (line.includes("BullMQ rows are skipped")) console.info(line);
    });

    const systems = s.dispatch.map((row) => `${row.system}${row.prefilled ? " prefilled" : ""}:${row.runs[0]?.jobs}`);
    const peers = (jobs: number, prefilled = false) => [
      `raw${prefilled ? " prefilled" : ""}:${jobs}`,
      ...(s.bullmq ? [`bullmq${prefilled ? " prefilled" : ""}:${jobs}`] : []),
    ];
    expect(systems).toEqual([
      ...peers(60, true),
      "platform prefilled:60",
      "platform+events prefilled:60",
      ...peers(60),
      "platform:60",
      ...peers(20),
      "platform:20",
      "platform+events:20",
      "gateway:20",
    ]);
    for (const { system, prefilled, runs } of s.dispatch) {
      for (const r of runs) {
        expect(r.enqueuePerS, system).toBeGreaterThan(0);
        expect(r.drainPerS, system).toBeGreaterThan(0);
        if (system !== "raw" && system !== "bullmq") expect(r.storedAfterS, system).toBeGreaterThanOrEqual(0);
        if (prefilled) continue; // rates only
        expect(r.startP99, system).toBeGreaterThanOrEqual(r.startP50);
        // The throughput row of the platform does not read its jobs back; every other row has a terminal time.
        if (!system.startsWith("platform") || r.jobs === SMOKE.burstJobs) {
          expect(r.terminalP50, system).toBeGreaterThanOrEqual(r.startP50);
        }
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
    expect(s.projection.map((p) => p.replicas)).toEqual([1, 2]);
    expect(s.projection.every((p) => p.eventsPerS > 0)).toBe(true);
    expect(s.plan[0]?.parallel.calls).toBeGreaterThan(0);

    const markdown = renderSuite(s);
    expect(markdown).toContain("median of 1 runs");
    expect(markdown).toContain("### The targets");
    expect(markdown).not.toContain("NaN");
    expect(markdown).toContain("Full queue");
    const doc = replaceBetweenMarkers(`# B\n\nintro\n\n${START}\nold\n${END}\n\nafter\n`, markdown);
    expect(doc).toContain(markdown);
    expect(doc).not.toContain("old");
    expect(doc).toContain("after");
  }, 300_000);
});
