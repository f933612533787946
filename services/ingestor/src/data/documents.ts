import type { DocumentRecord, DocumentSummary, IngestStatus, StudyPlan } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

export interface Activation {
  generation: string;
  contentHash: string;
  chunkCount: number;
  summary: DocumentSummary;
}

/** Documents and their plan's ingest status. Every read and write is scoped to the tenant. */
export interface DocumentRepository {
  findDocument(tenantId: string, planId: string, documentId: string): Promise<DocumentRecord | null>;
  markRunning(tenantId: string, documentId: string, jobId: string): Promise<void>;
  /**
   * Points the document at a fully written chunk generation, with its hash, count and summary, and marks it
   * succeeded: one single-document update, so readers switch from the whole old set to the whole new one at once.
   */
  activate(tenantId: string, documentId: string, activation: Activation): Promise<void>;
  /** The file is the one already ingested: the active set stays, the document is marked succeeded again. */
  markUnchanged(tenantId: string, documentId: string): Promise<void>;
  markFailed(tenantId: string, documentId: string, message: string): Promise<void>;
  /** The plan shows the outcome of its latest ingest. */
  setPlanIngestStatus(tenantId: string, planId: string, status: IngestStatus): Promise<void>;
}

export function createDocumentRepository(c: Pick<Collections, "documents" | "plans">): DocumentRepository {
  const setDocument = async (tenantId: string, documentId: string, fields: Partial<DocumentRecord>) => {
    await c.documents.updateOne({ _id: documentId, tenantId }, { $set: { ...fields, updatedAt: new Date() } });
  };
  return {
    findDocument: (tenantId, planId, documentId) => c.documents.findOne({ _id: documentId, planId, tenantId }),
    markRunning: (tenantId, documentId, jobId) => setDocument(tenantId, documentId, { ingestStatus: "running", jobId }),
    activate: (tenantId, documentId, a) =>
      setDocument(tenantId, documentId, {
        activeGeneration: a.generation,
        contentHash: a.contentHash,
        chunkCount: a.chunkCount,
        summary: a.summary,
        ingestStatus: "succeeded",
        lastError: null,
      }),
    markUnchanged: (tenantId, documentId) =>
      setDocument(tenantId, documentId, { ingestStatus: "succeeded", lastError: null }),
    markFailed: (tenantId, documentId, message) =>
      setDocument(tenantId, documentId, { ingestStatus: "failed", lastError: message }),
    async setPlanIngestStatus(tenantId, planId, status) {
      const fields: Partial<StudyPlan> = { ingestStatus: status, updatedAt: new Date() };
      await c.plans.updateOne({ _id: planId, tenantId }, { $set: fields });
    },
  };
}
