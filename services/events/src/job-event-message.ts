import { JobEvent, parseEventSubject } from "@ai-jobs/contracts";
import type { JsMsg } from "@nats-io/jetstream";

export type DecodedEvent = { ok: true; event: JobEvent } | { ok: false; reason: string };

/**
 * Reads a JOB_EVENTS message: JSON, the JobEvent schema, and a subject that names the same tenant, job and kind
 * as the body (so a message published on another tenant's subject can never touch this tenant's job).
 */
export function decodeJobEvent(msg: Pick<JsMsg, "subject" | "string">): DecodedEvent {
  const subject = parseEventSubject(msg.subject);
  if (!subject) return { ok: false, reason: `not an event subject: ${msg.subject}` };
  let body: unknown;
  try {
    body = JSON.parse(msg.string());
  } catch {
    return { ok: false, reason: "body is not JSON" };
  }
  const parsed = JobEvent.safeParse(body);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    return { ok: false, reason: `invalid job event: ${detail}` };
  }
  const event = parsed.data;
  if (event.tenantId !== subject.tenantId || event.jobId !== subject.jobId || event.kind !== subject.kind) {
    return { ok: false, reason: "event body does not match its subject" };
  }
  return { ok: true, event };
}
