import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { peakConcurrency, startMongo, startNats, startOpenAiServer } from "./index.js";

interface Thing {
  _id: string;
  n: number;
}

describe("testkit", () => {
  it("a NATS server started by the testkit has JetStream and survives a restart on the same port with its data", async () => {
    const nats = await startNats();
    try {
      const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: "TESTKIT", subjects: ["testkit.>"] });
        await jetstream(nc).publish("testkit.a", "hello");

        const reconnected = (async () => {
          for await (const status of nc.status()) if (status.type === "reconnect") return;
        })();
        await nats.restart();
        // Same port, so the client reconnects on its own; the stream comes back from the same store dir.
        await reconnected;

        const msg = await jsm.streams.getMessage("TESTKIT", { last_by_subj: "testkit.a" });
        expect(msg?.string()).toBe("hello");
        expect((await jsm.streams.info("TESTKIT")).state.messages).toBe(1);
      } finally {
        await nc.close();
      }
    } finally {
      await nats.cleanup();
    }
  });

  // The default backend, and the SQLite one kept for comparison (both unless MONGO_URL points elsewhere).
  const backends = process.env.MONGO_URL ? ["external"] : ["postgresql", "sqlite"];
  it.each(backends)("startMongo (%s) gives a MongoDB wire endpoint that persists across a restart", async (backend) => {
    const env = backend === "external" ? process.env : { ...process.env, FERRETDB_BACKEND: backend };
    const mongo = await startMongo({ env });
    try {
      const write = new MongoClient(mongo.url);
      try {
        await write.db(mongo.dbName).collection<Thing>("things").insertOne({ _id: "a", n: 1 });
      } finally {
        await write.close();
      }
      if (!process.env.MONGO_URL) await mongo.restart();
      const read = new MongoClient(mongo.url);
      try {
        const doc = await read.db(mongo.dbName).collection<Thing>("things").findOne({ _id: "a" });
        expect(doc?.n).toBe(1);
      } finally {
        await read.close();
      }
    } finally {
      await mongo.cleanup();
    }
  });

  it("the OpenAI test server records when each call arrived and closed, so a client's concurrency can be read off", async () => {
    const llm = await startOpenAiServer({ respond: () => ({ kind: "answer", content: "{}", delayMs: 100 }) });
    try {
      const call = () =>
        fetch(`${llm.baseUrl}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "m", messages: [] }),
        }).then((res) => res.json());
      // Two waves: three calls at once, then two.
      await Promise.all([call(), call(), call()]);
      await Promise.all([call(), call()]);
      expect(llm.requests).toHaveLength(5);
      expect(peakConcurrency(llm.requests)).toBe(3);
      for (const r of llm.requests) expect((r.endedAt ?? 0) - r.receivedAt).toBeGreaterThanOrEqual(95);
    } finally {
      await llm.close();
    }
  });
});
