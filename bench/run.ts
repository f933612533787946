/** `npm run bench -- <name>`: runs one benchmark under bench/, or lists them. */
const benches: Record<string, string> = {
  submit: "./submit-latency.js",
  sse: "./sse-fanout.js",
  llm: "./llm-throughput.js",
  ingest: "./ingest.js",
  projection: "./projection-throughput.js",
};
const name = process.argv[2];
const target = name ? benches[name] : undefined;
if (!target) {
  console.log(`usage: npm run bench -- <${Object.keys(benches).join("|")}>`);
  process.exit(name ? 1 : 0);
}
await import(target);
