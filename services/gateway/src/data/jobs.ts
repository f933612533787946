import type { JobRecord } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

/** The `jobs` collection as the gateway uses it: it creates records; after that only the events projector writes. */
export interface JobRepository {
  insert(job: JobRecord): Promise<void>;
  findById(tenantId: string, jobId: string): Promise<JobRecord | null>;
  /** Records that the command is in JetStream, so the reconciler leaves the job alone. */
  markDispatched(tenantId: string, jobId: string, at: Date): Promise<void>;
  /** Only for a job that was never accepted (its command was refused): nothing else refers to it yet. */
  remove(tenantId: string, jobId: string): Promise<void>;
}

export function createJobRepository(c: Collections): JobRepository {
  return {
    async insert(job) {
      await c.jobs.insertOne(job);
    },
    findById(tenantId, jobId) {
      return c.jobs.findOne({ _id: jobId, tenantId });
    },
    async markDispatched(tenantId, jobId, at) {
      await c.jobs.updateOne({ _id: jobId, tenantId, dispatchedAt: null }, { $set: { dispatchedAt: at } });
    },
    async remove(tenantId, jobId) {
      await c.jobs.deleteOne({ _id: jobId, tenantId });
    },
  };
}
