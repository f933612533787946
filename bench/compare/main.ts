/**
 * `npm run bench` with no argument: the whole comparison suite at full size, written into docs/BENCHMARKS.md.
 * BENCH_REPEATS, BENCH_JOBS and BENCH_BURST_JOBS override the sizes (e.g. for a quicker look).
 */
import path from "node:path";
import { repoRoot } from "@ai-jobs/testkit";
import { renderSuite } from "./render.js";
import { FULL, runSuite } from "./suite.js";
import { writeBenchmarks } from "./write-docs.js";

const sizes = {
  ...FULL,
  repeats: Number(process.env.BENCH_REPEATS ?? FULL.repeats),
  dispatchJobs: Number(process.env.BENCH_JOBS ?? FULL.dispatchJobs),
  burstJobs: Number(process.env.BENCH_BURST_JOBS ?? FULL.burstJobs),
};
const result = await runSuite(sizes, (line) => console.log(line));
const markdown = renderSuite(result);
console.log(markdown);
await writeBenchmarks(path.join(repoRoot(), "docs", "BENCHMARKS.md"), markdown);
console.log("written to docs/BENCHMARKS.md");
