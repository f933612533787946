import { ERROR_CODES } from "@ai-jobs/contracts";
import { defineJob, type JobHandler, PermanentError } from "@ai-jobs/runtime";
import type { PlannerDeps } from "../deps.js";
import { exportFilename, planWorkbook } from "../domain/xlsx.js";

/** Where the gateway serves an export. */
export const downloadPath = (exportId: string) => `/api/ai/exports/${exportId}/`;

/** plan.export writes a plan to an .xlsx file. No failure hook: it changes nothing of the plan. */
export const planExport = (deps: PlannerDeps) => defineJob({ type: "plan.export", handler: exportPlan(deps) });

/**
 * Writes the plan as an .xlsx file into the EXPORTS object store under the job's id (a redelivered
 * job replaces its own file) and answers with the download path, which the `result` SSE event carries. A tenant
 * that stores its export quota already fails the job at once (QUOTA_EXCEEDED); the file's bytes are charged to it.
 */
function exportPlan({ repo, exports, quotas }: PlannerDeps): JobHandler<"plan.export"> {
  return async ({ command, payload, signal, progress, attempt, log }) => {
    const quota = await quotas.check(command.tenantId, "exports");
    if (!quota.allowed) {
      throw new PermanentError(
        ERROR_CODES.quotaExceeded,
        `the tenant stores ${quota.used} bytes of exports, its quota (${quota.setting}) is ${quota.quota}`,
      );
    }
    const found = await repo.findContent(command.tenantId, payload.planId);
    if (!found) throw new PermanentError(ERROR_CODES.notFound, `study plan ${payload.planId} not found`);
    await progress({ pct: 10, step: "export", message: `writing ${found.tasks.length} tasks to a workbook` });
    const bytes = await planWorkbook(found.plan, found.days, found.tasks);
    signal.throwIfAborted();
    const filename = exportFilename(found.plan);
    const { size, replacedSize } = await exports.put(command.jobId, bytes, {
      tenantId: command.tenantId,
      planId: payload.planId,
      filename,
      contentType: XLSX_CONTENT_TYPE,
    });
    // The file is stored: a failed count is logged, not retried (the count is then short by this file).
    await quotas
      .charge(command.tenantId, "exports", size - replacedSize, `${command.jobId}:${attempt}`)
      .catch((err: unknown) => log.warn({ err, size }, "could not count an export against the tenant's byte quota"));
    return {
      plan_id: payload.planId,
      export_id: command.jobId,
      filename,
      size,
      download_path: downloadPath(command.jobId),
    };
  };
}

export const XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
