import { z } from "zod";
import { jobType } from "./job-type.js";

export const EXPORT_FORMATS = ["xlsx"] as const;
export const PlanExportPayload = z.object({
  planId: z.string().min(1),
  format: z.enum(EXPORT_FORMATS).default("xlsx"),
});
export const PlanExportResult = z.object({
  plan_id: z.string(),
  export_id: z.string(),
  filename: z.string(),
  size: z.number().int().min(0),
  /** Where the file is downloaded: `GET /api/ai/exports/{export_id}/`. */
  download_path: z.string(),
});

/** A plan written to a file in the EXPORTS object store. */
export const PLAN_EXPORT = jobType({
  type: "plan.export",
  queue: "ai_generation",
  payload: PlanExportPayload,
  result: PlanExportResult,
  timeoutMs: 120_000,
  maxAttempts: 3,
  backoff: { baseMs: 1_000, maxMs: 30_000 },
  spendsTokens: false,
  storesIn: "exports",
});
