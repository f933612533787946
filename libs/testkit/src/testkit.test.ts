import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { startMongo, startNats } from "./index.js";

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

  it("startMongo gives a MongoDB wire endpoint that persists across a restart", async () => {
    const mongo = await startMongo();
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
});
