import { startNats } from "@ai-jobs/testkit";
import { DiscardPolicy, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { connect, errors, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJetStreamPublisher, type JetStreamPublisher } from "./jetstream-publisher.js";

let server: Awaited<ReturnType<typeof startNats>>;
let nc: NatsConnection;
let publisher: JetStreamPublisher;

const withId = (id: string) => {
  const h = headers();
  h.set("Nats-Msg-Id", id);
  return { headers: h, timeoutMs: 2_000 };
};

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "P", subjects: ["p.>"], duplicate_window: 60_000_000_000 });
  await jsm.streams.add({ name: "FULL", subjects: ["full.>"], max_msgs: 1, discard: DiscardPolicy.New });
  publisher = createJetStreamPublisher(nc);
}, 60_000);

afterAll(async () => {
  publisher?.close();
  await nc?.close();
  await server?.cleanup();
});

describe("createJetStreamPublisher", () => {
  it("resolves each publish with its own ack, in call order, and flags duplicates", async () => {
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, i) => publisher.publish(`p.${i}`, `${i}`, withId(`m${i}`))),
    );
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(acks.every((a) => a.stream === "P" && !a.duplicate)).toBe(true);
    const again = await publisher.publish("p.0", "0", withId("m0"));
    expect(again).toMatchObject({ stream: "P", seq: 1, duplicate: true });
  });

  it("rejects a refusal with JetStream's API error, and a subject no stream takes with no responders", async () => {
    await publisher.publish("full.a", "1", withId("f1"));
    const refused = await publisher.publish("full.b", "2", withId("f2")).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(JetStreamApiError);
    const nowhere = await publisher.publish("nowhere.x", "1", withId("n1")).catch((err: unknown) => err);
    expect(nowhere).toBeInstanceOf(errors.NoRespondersError);
  });

  it("times out a publish nobody answers, and rejects the waiting ones when closed", async () => {
    // A core subscriber on the subject takes the message without answering, as a stream that is down would.
    const silent = nc.subscribe("silent.>");
    const lost = await publisher
      .publish("silent.a", "1", { ...withId("s1"), timeoutMs: 300 })
      .catch((err: unknown) => err);
    expect(lost).toBeInstanceOf(errors.TimeoutError);
    const other = createJetStreamPublisher(nc);
    const pending = other.publish("silent.b", "1", { ...withId("s2"), timeoutMs: 60_000 });
    other.close();
    await expect(pending).rejects.toBeInstanceOf(errors.ClosedConnectionError);
    silent.unsubscribe();
  });
});
