import type { IngestStatus, StudyDay, StudyPlan, StudyTask } from "@ai-jobs/contracts";
import { type Collections, createBatchedInserter } from "@ai-jobs/runtime";

/** A plan with everything generated for it so far. */
export interface PlanWithContent {
  plan: StudyPlan;
  /** Sorted by index. */
  days: StudyDay[];
  /** Sorted by index (within their day and section). */
  tasks: StudyTask[];
}

/** Every query carries the tenant id: another tenant's plan is indistinguishable from a missing one. */
export interface PlanRepository {
  insert(plan: StudyPlan): Promise<void>;
  remove(tenantId: string, planId: string): Promise<void>;
  findById(tenantId: string, planId: string): Promise<StudyPlan | null>;
  findWithContent(tenantId: string, planId: string): Promise<PlanWithContent | null>;
  /** Sets the ingest status; with `from`, only when the current status is still that value. */
  setIngestStatus(tenantId: string, planId: string, status: IngestStatus, from?: IngestStatus): Promise<void>;
}

export function createPlanRepository(c: Collections): PlanRepository {
  // Every plan generation writes its draft before it is accepted: under load those inserts go in batches.
  const drafts = createBatchedInserter(c.plans);
  return {
    insert: (plan) => drafts.insert(plan),
    async remove(tenantId, planId) {
      await c.plans.deleteOne({ _id: planId, tenantId });
    },
    findById(tenantId, planId) {
      return c.plans.findOne({ _id: planId, tenantId });
    },
    async findWithContent(tenantId, planId) {
      const plan = await c.plans.findOne({ _id: planId, tenantId });
      if (!plan) return null;
      const [days, tasks] = await Promise.all([
        c.days.find({ tenantId, planId }).sort({ index: 1 }).toArray(),
        c.tasks.find({ tenantId, planId }).sort({ index: 1 }).toArray(),
      ]);
      return { plan, days, tasks };
    },
    async setIngestStatus(tenantId, planId, status, from) {
      const filter = from === undefined ? { _id: planId, tenantId } : { _id: planId, tenantId, ingestStatus: from };
      await c.plans.updateOne(filter, { $set: { ingestStatus: status, updatedAt: new Date() } });
    },
  };
}
