import type { JobEvent } from "@ai-jobs/contracts";
import type { EventIdentity, JobEventPublisher } from "../job-events.js";

const ignore = () => undefined;

/**
 * The events of one attempt. Each is published without waiting for the PubAck of the one before: they are issued in
 * call order on one connection, which keeps their order in JOB_EVENTS. `stored()` then waits for all of them, so a
 * command is only settled once its outcome and every earlier event of the attempt are stored.
 */
export class AttemptEvents {
  readonly #pending: Promise<void>[] = [];
  #failure: { error: unknown } | undefined;

  constructor(private readonly publisher: JobEventPublisher) {}

  /** Resolves when the event is stored. The caller may ignore the promise: `stored()` still reports a failure. */
  publish(event: JobEvent, identity: EventIdentity): Promise<void> {
    let ack: Promise<void>;
    try {
      ack = this.publisher.publish(event, identity).then(ignore);
    } catch (err) {
      ack = Promise.reject(err);
    }
    this.#pending.push(
      ack.catch((error: unknown) => {
        this.#failure ??= { error };
      }),
    );
    return ack;
  }

  /** Resolves once every event published so far is stored; rejects with the first failure if one was not. */
  async stored(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#failure) throw this.#failure.error;
  }
}
