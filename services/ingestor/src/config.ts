import { baseConfigShape, port } from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  HEALTH_PORT: port(8083),
  HOST: z.string().default("0.0.0.0"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(2),
  /** Dimension of the offline feature-hashing embedder. */
  EMBEDDING_DIM: z.coerce.number().int().min(8).max(4_096).default(256),
  CHUNK_SIZE_CHARS: z.coerce.number().int().min(200).default(1_200),
  CHUNK_OVERLAP_CHARS: z.coerce.number().int().min(0).default(150),
} as const;
