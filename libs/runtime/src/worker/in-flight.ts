import { CancelledError } from "../errors.js";

/**
 * One run of a job: the AbortSignal its handler gets, fired by the first of its time limit, its cancellation or the
 * worker's shutdown. One controller per run, aborted directly by whichever comes first (no `AbortSignal.any` and no
 * listeners per run: both cost more than the rest of a no-op job's bookkeeping).
 */
export class RunningJob {
  readonly #controller = new AbortController();
  #onAbort: ((reason: unknown) => void) | undefined;
  /** Set when the job's cancellation arrived, whatever aborted the run first. */
  cancelled = false;
  /** Another run of the same job id in this worker (an explicit retry beside a stale delivery). */
  next: RunningJob | undefined;

  constructor(readonly jobId: string) {}

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(reason);
    this.#onAbort?.(reason);
  }

  /** The work's outcome, or a rejection with the abort reason as soon as the run is aborted, even if the work ignores its signal. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    return new Promise<T>((resolve, reject) => {
      this.#onAbort = reject;
      work.then(resolve, reject);
    });
  }
}

/**
 * The jobs one worker runs, by job id, so the worker's single cancellation watch can abort the right ones and a
 * shutdown can abort them all. A job id may be in flight twice (an explicit retry republished while a stale delivery
 * still runs): both are aborted.
 */
export class InFlightJobs {
  readonly #byJob = new Map<string, RunningJob>();

  track(jobId: string): RunningJob {
    const job = new RunningJob(jobId);
    job.next = this.#byJob.get(jobId);
    this.#byJob.set(jobId, job);
    return job;
  }

  release(job: RunningJob): void {
    const first = this.#byJob.get(job.jobId);
    if (first === job) {
      if (job.next) this.#byJob.set(job.jobId, job.next);
      else this.#byJob.delete(job.jobId);
      return;
    }
    for (let run = first; run; run = run.next) {
      if (run.next === job) {
        run.next = job.next;
        return;
      }
    }
  }

  /** Aborts every run of the job in this worker; false when none runs here. */
  cancel(jobId: string): boolean {
    const first = this.#byJob.get(jobId);
    for (let run = first; run; run = run.next) {
      run.cancelled = true;
      run.abort(new CancelledError(`job ${jobId} was cancelled`));
    }
    return first !== undefined;
  }

  /** Aborts every run (the worker gave up waiting for them at shutdown). */
  abortAll(reason: unknown): void {
    for (const first of this.#byJob.values()) {
      for (let run: RunningJob | undefined = first; run; run = run.next) run.abort(reason);
    }
  }
}
