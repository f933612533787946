export * from "./cached.js";
export * from "./fastify.js";
export * from "./gauges.js";
export * from "./job-observer.js";
export * from "./llm.js";
export * from "./metrics.js";
