import { z } from "zod";
import { ChunkMetadata, DocumentSummary } from "./retrieval.js";

export const GENERATION_STATUSES = ["pending", "running", "succeeded", "failed"] as const;
export const GenerationStatus = z.enum(GENERATION_STATUSES);
export type GenerationStatus = z.infer<typeof GenerationStatus>;

export const INGEST_STATUSES = ["none", "pending", "running", "succeeded", "failed"] as const;
export const IngestStatus = z.enum(INGEST_STATUSES);
export type IngestStatus = z.infer<typeof IngestStatus>;

export const TASK_KINDS = ["read", "practice", "review", "quiz", "project"] as const;
export const TaskKind = z.enum(TASK_KINDS);
export type TaskKind = z.infer<typeof TaskKind>;

export const TASK_STATUSES = ["todo", "in_progress", "done", "skipped"] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const DAY_STATUSES = ["pending", "in_progress", "done"] as const;
export const DayStatus = z.enum(DAY_STATUSES);
export type DayStatus = z.infer<typeof DayStatus>;

/** ISO calendar date, `YYYY-MM-DD`. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    "must be a real calendar date",
  );

export const PlanSummary = z.object({
  text: z.string().min(1),
  /** `offline`, a model name, or `fallback` when the LLM failed after its retries. */
  provider: z.string(),
  fallback: z.boolean(),
  jobId: z.string(),
  generatedAt: z.date(),
});
export type PlanSummary = z.infer<typeof PlanSummary>;

export const PlanCompletion = z.object({
  doneTasks: z.number().int().min(0),
  totalTasks: z.number().int().min(0),
  /** Done or skipped tasks over all tasks, 0–100, rounded down. */
  pct: z.number().int().min(0).max(100),
  minutesSpent: z.number().int().min(0),
});
export type PlanCompletion = z.infer<typeof PlanCompletion>;

export const StudyPlan = z.object({
  _id: z.string(),
  tenantId: z.string(),
  userId: z.string(),
  title: z.string(),
  goal: z.string(),
  studyContext: z.string().nullable(),
  startDate: IsoDate,
  endDate: IsoDate,
  dailyMinutes: z.number().int(),
  generationStatus: GenerationStatus,
  ingestStatus: IngestStatus,
  lastError: z.string().nullable(),
  jobId: z.string().nullable(),
  /** Who produced the content: `offline` for the deterministic template generator, else the model name. */
  provider: z.string().nullable(),
  /** Written by `plan.summary`: the LLM's, or a deterministic fallback when the LLM failed for good. */
  summary: PlanSummary.nullable().optional(),
  /** Recomputed on every task progress update. */
  completion: PlanCompletion.optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type StudyPlan = z.infer<typeof StudyPlan>;

export const StudySection = z.object({ id: z.string(), title: z.string() });
export type StudySection = z.infer<typeof StudySection>;

export const StudyDay = z.object({
  _id: z.string(),
  tenantId: z.string(),
  planId: z.string(),
  index: z.number().int().min(0),
  date: IsoDate,
  title: z.string(),
  sections: z.array(StudySection),
  status: DayStatus,
});
export type StudyDay = z.infer<typeof StudyDay>;

export const StudyTask = z.object({
  _id: z.string(),
  tenantId: z.string(),
  planId: z.string(),
  dayId: z.string(),
  sectionId: z.string(),
  index: z.number().int().min(0),
  title: z.string(),
  kind: TaskKind,
  estimatedMinutes: z.number().int().min(1),
  status: TaskStatus,
  timeSpentMinutes: z.number().int().min(0),
  /** The ids of the material chunks the task was built from (RAG); absent or empty when none. */
  sourceChunkIds: z.array(z.string()).optional(),
});
export type StudyTask = z.infer<typeof StudyTask>;

export const DocumentRecord = z.object({
  _id: z.string(),
  tenantId: z.string(),
  planId: z.string(),
  fileId: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().min(0),
  ingestStatus: IngestStatus,
  lastError: z.string().nullable(),
  jobId: z.string().nullable(),
  chunkCount: z.number().int().min(0),
  /** sha256 of the file behind the active chunk set: an unchanged re-ingest is a no-op. */
  contentHash: z.string().nullable().optional(),
  /** The chunk generation readers see; flipped by one single-document update once a new set is fully written. */
  activeGeneration: z.string().nullable().optional(),
  summary: DocumentSummary.nullable().optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type DocumentRecord = z.infer<typeof DocumentRecord>;

export const ChunkRecord = z.object({
  _id: z.string(),
  tenantId: z.string(),
  planId: z.string(),
  documentId: z.string(),
  index: z.number().int().min(0),
  text: z.string(),
  embedding: z.array(z.number()),
  metadata: ChunkMetadata,
  /** The ingest that wrote it; readers only see the document's `activeGeneration`. */
  generation: z.string(),
  /** sha256 of the text: the same text in the same plan is embedded once. */
  contentHash: z.string(),
  /** Which embedder made `embedding` (`hashing-256`, `openai:<model>:<dim>`): vectors of two embedders never mix. */
  embedder: z.string(),
});
export type ChunkRecord = z.infer<typeof ChunkRecord>;
