import { CancelledError } from "../errors.js";

export interface TrackedJob {
  /** Fires with a CancelledError when the job's cancellation arrives. */
  signal: AbortSignal;
  release(): void;
}

/**
 * The jobs one worker runs, by job id, so the worker's single cancellation watch can abort the right ones. A job
 * id may be in flight twice (an explicit retry republished while a stale delivery still runs): both are aborted.
 */
export class InFlightJobs {
  readonly #byJob = new Map<string, Set<AbortController>>();

  track(jobId: string): TrackedJob {
    const controller = new AbortController();
    const set = this.#byJob.get(jobId) ?? new Set();
    set.add(controller);
    this.#byJob.set(jobId, set);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.#byJob.get(jobId) === set) this.#byJob.delete(jobId);
      },
    };
  }

  /** Aborts every run of the job in this worker; false when none runs here. */
  cancel(jobId: string): boolean {
    const set = this.#byJob.get(jobId);
    if (!set) return false;
    for (const controller of set) controller.abort(new CancelledError(`job ${jobId} was cancelled`));
    return true;
  }
}
