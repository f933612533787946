import type { DocumentRecord, StudyPlan } from "@ai-jobs/contracts";

/** A study plan record as the gateway stores it (generation pending), for tests and benches to insert directly. */
export function planRecord(id: string, tenantId: string, overrides: Partial<StudyPlan> = {}): StudyPlan {
  const now = new Date();
  return {
    _id: id,
    tenantId,
    userId: "user_1",
    title: "Biology exam",
    goal: "photosynthesis",
    studyContext: null,
    startDate: "2025-03-01",
    endDate: "2025-03-04",
    dailyMinutes: 60,
    generationStatus: "pending",
    ingestStatus: "none",
    lastError: null,
    jobId: null,
    provider: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** A document record as the gateway stores it at upload (ingest pending), for tests and benches. */
export function documentRecord(
  id: string,
  tenantId: string,
  file: Pick<DocumentRecord, "planId" | "fileId" | "filename" | "contentType" | "size">,
): DocumentRecord {
  const now = new Date();
  return {
    _id: id,
    tenantId,
    ...file,
    ingestStatus: "pending",
    lastError: null,
    jobId: null,
    chunkCount: 0,
    createdAt: now,
    updatedAt: now,
  };
}
