import { z } from "zod";
import { Priority, Queue, TenantId, Ulid } from "./queues.js";

/**
 * The message on `jobs.<queue>.<priority>.<tenant>`. The payload is validated again by the worker against
 * the job type's own schema, so a command from an older or newer gateway fails cleanly, never half-way.
 */
export const JobCommand = z.object({
  jobId: Ulid,
  tenantId: TenantId,
  userId: z.string().min(1),
  type: z.string().min(1),
  queue: Queue,
  priority: Priority,
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string().datetime(),
});
export type JobCommand = z.infer<typeof JobCommand>;
