/**
 * `npm run bench`: the comparison suite (this platform, BullMQ, raw JetStream), written into docs/BENCHMARKS.md.
 * `npm run bench -- <name>`: one benchmark under bench/.
 */
const benches: Record<string, string> = {
  submit: "./submit-latency.js",
  sse: "./sse-fanout.js",
  llm: "./llm-throughput.js",
  ingest: "./ingest.js",
  projection: "./projection-throughput.js",
  plan: "./plan-generate.js",
  store: "./store-ops.js",
  facts: "./store-facts.js",
};
const name = process.argv[2];
if (name === undefined) {
  await import("./compare/main.js");
} else {
  const target = benches[name];
  if (!target) {
    console.log(`usage: npm run bench [-- <${Object.keys(benches).join("|")}>]`);
    process.exit(1);
  }
  // A bench that the comparison suite can also call exports its run as a function, and `main` for this command.
  const bench: { main?: () => Promise<void> } = await import(target);
  await bench.main?.();
}
