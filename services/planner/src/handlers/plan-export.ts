import { ERROR_CODES } from "@ai-jobs/contracts";
import { type JobHandler, PermanentError } from "@ai-jobs/runtime";
import { exportFilename, planWorkbook } from "../domain/xlsx.js";
import type { PlannerDeps } from "./deps.js";

/** Where the gateway serves an export. */
export const downloadPath = (exportId: string) => `/api/ai/exports/${exportId}/`;

/**
 * plan.export: writes the plan as an .xlsx file into the EXPORTS object store under the job's id (a redelivered
 * job replaces its own file) and answers with the download path, which the `result` SSE event carries.
 */
export function planExport({ repo, exports }: PlannerDeps): JobHandler<"plan.export"> {
  return async ({ command, payload, signal, progress }) => {
    const found = await repo.findContent(command.tenantId, payload.planId);
    if (!found) throw new PermanentError(ERROR_CODES.notFound, `study plan ${payload.planId} not found`);
    await progress({ pct: 10, step: "export", message: `writing ${found.tasks.length} tasks to a workbook` });
    const bytes = await planWorkbook(found.plan, found.days, found.tasks);
    signal.throwIfAborted();
    const filename = exportFilename(found.plan);
    const size = await exports.put(command.jobId, bytes, {
      tenantId: command.tenantId,
      planId: payload.planId,
      filename,
      contentType: XLSX_CONTENT_TYPE,
    });
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
