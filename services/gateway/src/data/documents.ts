import type { DocumentRecord } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

export interface DocumentRepository {
  insert(doc: DocumentRecord): Promise<void>;
  remove(tenantId: string, documentId: string): Promise<void>;
}

export function createDocumentRepository(c: Collections): DocumentRepository {
  return {
    async insert(doc) {
      await c.documents.insertOne(doc);
    },
    async remove(tenantId, documentId) {
      await c.documents.deleteOne({ _id: documentId, tenantId });
    },
  };
}
