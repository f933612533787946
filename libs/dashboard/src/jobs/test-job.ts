import type { JobView } from "@ai-jobs/contracts";

/** A JobView for the tests, queued, with any field replaced. */
export const job = (overrides: Partial<JobView> = {}): JobView => ({
  job_id: "01K0000000000000000000000A",
  type: "plan.generate",
  queue: "ai_generation",
  priority: "normal",
  status: "queued",
  progress: { pct: 0, step: null, message: null },
  attempt: 0,
  max_attempts: 3,
  last_error: null,
  result_refs: null,
  trace_id: null,
  user_id: "ada",
  run_at: null,
  retries: 0,
  created_at: "2026-11-01T10:00:00.000Z",
  updated_at: "2026-11-01T10:00:00.000Z",
  started_at: null,
  finished_at: null,
  ...overrides,
});
