import type { SuiteSizes } from "./suite.js";

/** A run of every scenario small enough for CI: it proves the harness works, not how fast anything is. */
export const SMOKE: SuiteSizes = {
  repeats: 1,
  dispatchJobs: 60,
  burstJobs: 20,
  concurrency: 4,
  window: 20,
  loadRates: [20],
  loadMax: false,
  loadDurationS: 1,
  loadConnections: 4,
  priorityBacklog: 200,
  recoveryAckWaitsMs: [1_000],
  sseClients: 5,
  sseEvents: 3,
  // No memory reading is asserted here.
  sseSettleMs: 100,
  projectionEvents: 200,
  projectionJobs: 20,
  plan: { days: 4, llmMs: 20, llmConcurrency: 2 },
  timeoutMs: 60_000,
};
