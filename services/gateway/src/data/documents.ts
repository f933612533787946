import type { DocumentRecord } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

export interface DocumentRepository {
  insert(doc: DocumentRecord): Promise<void>;
  findById(tenantId: string, planId: string, documentId: string): Promise<DocumentRecord | null>;
  /** Overwrites a document record whole (a replaced file, or undoing that). */
  replace(doc: DocumentRecord): Promise<void>;
  remove(tenantId: string, documentId: string): Promise<void>;
}

export function createDocumentRepository(c: Collections): DocumentRepository {
  return {
    async insert(doc) {
      await c.documents.insertOne(doc);
    },
    findById(tenantId, planId, documentId) {
      return c.documents.findOne({ _id: documentId, tenantId, planId });
    },
    async replace(doc) {
      await c.documents.replaceOne({ _id: doc._id, tenantId: doc.tenantId }, doc);
    },
    async remove(tenantId, documentId) {
      await c.documents.deleteOne({ _id: documentId, tenantId });
    },
  };
}
