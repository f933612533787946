import type { DocumentRecord, IngestStatus, StudyPlan } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

/** Documents and their plan's ingest status. Every read and write is scoped to the tenant. */
export interface DocumentsRepo {
  findDocument(tenantId: string, planId: string, documentId: string): Promise<DocumentRecord | null>;
  markRunning(tenantId: string, documentId: string, jobId: string): Promise<void>;
  markSucceeded(tenantId: string, documentId: string, chunkCount: number): Promise<void>;
  markFailed(tenantId: string, documentId: string, message: string): Promise<void>;
  /** The plan shows the outcome of its latest ingest. */
  setPlanIngestStatus(tenantId: string, planId: string, status: IngestStatus): Promise<void>;
}

export function createDocumentsRepo(c: Pick<Collections, "documents" | "plans">): DocumentsRepo {
  const setDocument = async (tenantId: string, documentId: string, fields: Partial<DocumentRecord>) => {
    await c.documents.updateOne({ _id: documentId, tenantId }, { $set: { ...fields, updatedAt: new Date() } });
  };
  return {
    findDocument: (tenantId, planId, documentId) => c.documents.findOne({ _id: documentId, planId, tenantId }),
    markRunning: (tenantId, documentId, jobId) => setDocument(tenantId, documentId, { ingestStatus: "running", jobId }),
    markSucceeded: (tenantId, documentId, chunkCount) =>
      setDocument(tenantId, documentId, { ingestStatus: "succeeded", chunkCount, lastError: null }),
    markFailed: (tenantId, documentId, message) =>
      setDocument(tenantId, documentId, { ingestStatus: "failed", lastError: message }),
    async setPlanIngestStatus(tenantId, planId, status) {
      const fields: Partial<StudyPlan> = { ingestStatus: status, updatedAt: new Date() };
      await c.plans.updateOne({ _id: planId, tenantId }, { $set: fields });
    },
  };
}
