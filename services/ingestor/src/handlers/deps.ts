import type { ChunkOptions } from "../chunking/chunk-text.js";
import type { ChunksRepo } from "../data/chunks-repo.js";
import type { DocumentsRepo } from "../data/documents-repo.js";
import type { MaterialsStore } from "../data/materials-store.js";
import type { Embedder } from "../embedding/types.js";

export interface IngestorDeps {
  documents: DocumentsRepo;
  chunks: ChunksRepo;
  materials: MaterialsStore;
  embedder: Embedder;
  chunking: ChunkOptions;
  /** Larger uploads fail for good. */
  maxFileBytes: number;
}
