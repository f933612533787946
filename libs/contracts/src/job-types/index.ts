import { z } from "zod";
import { registryOf } from "./job-type.js";
import { MATERIAL_INGEST } from "./material-ingest.js";
import { PLAN_DAY_GENERATE } from "./plan-day-generate.js";
import { PLAN_EXPORT } from "./plan-export.js";
import { PLAN_GENERATE } from "./plan-generate.js";
import { PLAN_SUMMARY } from "./plan-summary.js";
import { PLAN_TASKS_GENERATE } from "./plan-tasks-generate.js";

export { type BackoffPolicy, type JobTypeSpec, jobType } from "./job-type.js";
export * from "./material-ingest.js";
export * from "./plan-day-generate.js";
export * from "./plan-export.js";
export * from "./plan-generate.js";
export * from "./plan-summary.js";
export * from "./plan-tasks-generate.js";

/**
 * Every job the platform runs, one contract file each in this folder (a new type is its file and a line here). The
 * gateway validates payloads with it, workers validate them again.
 */
export const JOB_TYPES = registryOf(
  PLAN_GENERATE,
  PLAN_DAY_GENERATE,
  PLAN_TASKS_GENERATE,
  PLAN_SUMMARY,
  PLAN_EXPORT,
  MATERIAL_INGEST,
);

export type JobType = keyof typeof JOB_TYPES;
export const JOB_TYPE_NAMES = Object.keys(JOB_TYPES) as JobType[];
export const JobTypeName = z.enum(JOB_TYPE_NAMES as [JobType, ...JobType[]]);
export type PayloadOf<T extends JobType> = z.infer<(typeof JOB_TYPES)[T]["payload"]>;
export type ResultOf<T extends JobType> = z.infer<(typeof JOB_TYPES)[T]["result"]>;

export const isJobType = (name: string): name is JobType => Object.hasOwn(JOB_TYPES, name);
