import type {
  DayView,
  DeadLetterView,
  GeneratePlanResponse,
  JobEventView,
  JobRecord,
  JobView,
  PlanCompletion,
  PlanView,
  StudyDay,
  StudyPlan,
  StudyTask,
  TaskView,
  UploadResponse,
} from "@ai-jobs/contracts";
import { completionOf } from "@ai-jobs/contracts";
import type { DeadLetterRecord, JobEventRecord } from "@ai-jobs/runtime";
import type { z } from "zod";

/** contracts exports the JobEventView schema without its type. */
type JobEventViewOf = z.infer<typeof JobEventView>;

/** Records (camelCase, Dates) to the HTTP views of docs/API.md (snake_case, ISO strings). */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toTaskView(task: StudyTask): TaskView {
  return {
    id: task._id,
    title: task.title,
    kind: task.kind,
    estimated_minutes: task.estimatedMinutes,
    status: task.status,
    time_spent_minutes: task.timeSpentMinutes,
    source_chunk_ids: task.sourceChunkIds ?? [],
  };
}

export function toDayView(day: StudyDay, tasks: readonly StudyTask[]): DayView {
  return {
    id: day._id,
    index: day.index,
    date: day.date,
    title: day.title,
    status: day.status,
    sections: day.sections.map((section) => ({
      id: section.id,
      title: section.title,
      tasks: tasks
        .filter((t) => t.dayId === day._id && t.sectionId === section.id)
        .sort((a, b) => a.index - b.index)
        .map(toTaskView),
    })),
  };
}

export function toPlanView(
  plan: StudyPlan,
  days: readonly StudyDay[] = [],
  tasks: readonly StudyTask[] = [],
): PlanView {
  return {
    id: plan._id,
    title: plan.title,
    goal: plan.goal,
    study_context: plan.studyContext,
    start_date: plan.startDate,
    end_date: plan.endDate,
    daily_minutes: plan.dailyMinutes,
    generation_status: plan.generationStatus,
    ingest_status: plan.ingestStatus,
    last_error: plan.lastError,
    job_id: plan.jobId,
    provider: plan.provider,
    summary: plan.summary
      ? {
          text: plan.summary.text,
          provider: plan.summary.provider,
          fallback: plan.summary.fallback,
          job_id: plan.summary.jobId,
          generated_at: plan.summary.generatedAt.toISOString(),
        }
      : null,
    // Live from the tasks when they are at hand (a regeneration resets them); else as last stored.
    completion: toCompletionView(tasks.length > 0 ? completionOf(tasks) : (plan.completion ?? completionOf([]))),
    created_at: plan.createdAt.toISOString(),
    updated_at: plan.updatedAt.toISOString(),
    days: [...days].sort((a, b) => a.index - b.index).map((day) => toDayView(day, tasks)),
  };
}

export function toCompletionView(c: PlanCompletion) {
  return { done_tasks: c.doneTasks, total_tasks: c.totalTasks, pct: c.pct, minutes_spent: c.minutesSpent };
}

export function toGeneratePlanResponse(plan: StudyPlan, jobId: string): GeneratePlanResponse {
  return { ...toPlanView(plan), job_id: jobId };
}

export function toJobView(job: JobRecord): JobView {
  return {
    job_id: job._id,
    type: job.type,
    queue: job.queue,
    priority: job.priority,
    status: job.status,
    progress: { pct: job.progress.pct, step: job.progress.step ?? null, message: job.progress.message ?? null },
    attempt: job.attempt,
    max_attempts: job.maxAttempts,
    last_error: job.lastError,
    result_refs: job.resultRefs,
    trace_id: job.traceId,
    user_id: job.userId,
    run_at: job.runAt?.toISOString() ?? null,
    retries: job.retries ?? 0,
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
  };
}

export function toUploadResponse(jobId: string, fileId: string, documentId: string): UploadResponse {
  return { job_id: jobId, file_id: fileId, document_id: documentId };
}

export function toJobEventView(event: JobEventRecord): JobEventViewOf {
  return { seq: event._id, kind: event.kind, attempt: event.attempt, at: event.at.toISOString(), data: event.data };
}

export function toDeadLetterView(record: DeadLetterRecord): DeadLetterView {
  return {
    seq: record._id,
    job_id: record.jobId,
    queue: record.queue,
    type: record.type,
    error: record.error,
    attempts: record.attempts,
    original_subject: record.originalSubject,
    dead_lettered_at: record.at.toISOString(),
    replayed_at: iso(record.replayedAt),
  };
}
