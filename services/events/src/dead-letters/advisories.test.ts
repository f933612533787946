import { CONSUMERS, ERROR_CODES, HEADERS, type JobCommand, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { maxAttemptsOfQueue } from "@ai-jobs/runtime";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { DurableConsumer } from "../durable-consumer.js";
import { startHarness } from "../testing/harness.js";
import { createAdvisoryHandler } from "./advisories.js";

const h = useHarness(() => startHarness());
let handler: DurableConsumer | undefined;
const log = pino({ level: "silent" });

const startHandler = async () => {
  handler = createAdvisoryHandler({ nats: h.ctx.nats, messaging: h.ctx.messaging, events: h.ctx.events, log });
  await handler.start();
};

afterAll(async () => {
  await handler?.stop();
});

/** Waits until the advisory consumer has acked everything JOBS_ADVISORIES holds. */
async function handlerIdle(): Promise<void> {
  await waitFor(
    async () => {
      const info = await h.ctx.nats.jsm.consumers.info(STREAMS.advisories, CONSUMERS.advisories);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: "the advisory handler to ack everything" },
  );
}

describe("max-deliveries advisories", () => {
  it("a command no worker ever settled is dead-lettered, its job failed, and it leaves JOBS; a replay changes nothing", async () => {
    const command: JobCommand = {
      jobId: h.newId(),
      tenantId: "adv1",
      userId: "u1",
      type: "plan.generate",
      queue: "ai_generation",
      priority: "low",
      payload: { topic: "x" },
      createdAt: new Date().toISOString(),
    };
    const subject = SUBJECTS.job("ai_generation", "low", "adv1");
    const bytes = new TextEncoder().encode(JSON.stringify(command));
    const { seq } = await h.ctx.messaging.publish(subject, bytes, { msgId: command.jobId });

    // A worker that dies on every delivery: the real worker consumer hands the command out max_deliver times, and
    // it is never acked (nak stands in for the crash, without waiting out ack_wait each time).
    const maxDeliver = maxAttemptsOfQueue("ai_generation") + 2;
    const worker = await h.ctx.nats.js.consumers.get(STREAMS.jobs, CONSUMERS.worker("ai_generation", "low"));
    for (let delivery = 1; delivery <= maxDeliver; delivery++) {
      const msg = await worker.next({ expires: 5_000 });
      expect(msg?.seq).toBe(seq);
      expect(msg?.info.deliveryCount).toBe(delivery);
      msg?.nak();
    }
    // The next pull finds nothing to deliver: JetStream gives up and publishes the advisory.
    expect(await worker.next({ expires: 1_000 })).toBeNull();
    await waitFor(async () => (await h.ctx.nats.jsm.streams.info(STREAMS.advisories)).state.messages === 1, {
      what: "the MAX_DELIVERIES advisory in JOBS_ADVISORIES",
    });

    await startHandler();
    await waitFor(async () => (await h.countOn(STREAMS.deadLetters, SUBJECTS.deadLetter("ai_generation"))) === 1, {
      what: "the dead letter",
    });
    await handlerIdle();

    const letter = await h.ctx.nats.jsm.streams.getMessage(STREAMS.deadLetters, {
      last_by_subj: SUBJECTS.deadLetter("ai_generation"),
    });
    expect(letter?.data).toEqual(bytes);
    expect(letter?.header.get(HEADERS.errorCode)).toBe(ERROR_CODES.attemptsExhausted);
    expect(letter?.header.get(HEADERS.error)).toBe(
      `no attempt finished: the worker died on each of ${maxDeliver} deliveries`,
    );
    expect(letter?.header.get(HEADERS.attempts)).toBe(String(maxDeliver));
    expect(letter?.header.get(HEADERS.originalSubject)).toBe(subject);
    expect(letter?.header.get(HEADERS.msgId)).toBe(`${command.jobId}:${seq}:dlq`);

    const failedSubject = SUBJECTS.event("adv1", command.jobId, "failed");
    const failed = await h.ctx.nats.jsm.streams.getMessage(STREAMS.events, { last_by_subj: failedSubject });
    expect(failed?.json()).toMatchObject({
      jobId: command.jobId,
      tenantId: "adv1",
      type: "plan.generate",
      kind: "failed",
      attempt: maxDeliver,
      data: { error: { code: ERROR_CODES.attemptsExhausted } },
    });
    expect(await h.ctx.nats.jsm.streams.getMessage(STREAMS.jobs, { seq })).toBeNull();

    // The same advisory again (a fresh durable consumer redelivers the whole stream): nothing new is published.
    await handler?.stop();
    await h.ctx.nats.jsm.consumers.delete(STREAMS.advisories, CONSUMERS.advisories);
    await startHandler();
    await handlerIdle();
    expect(await h.countOn(STREAMS.deadLetters, SUBJECTS.deadLetter("ai_generation"))).toBe(1);
    expect(await h.countOn(STREAMS.events, failedSubject)).toBe(1);
  });
});
