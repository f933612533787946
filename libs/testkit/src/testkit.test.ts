import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { startChild } from "./child.js";
import { freePort, mongoBackend, peakConcurrency, startMongo, startNats, startOpenAiServer, waitFor } from "./index.js";
import { dropDatabase } from "./pg-database.js";
import { acquirePostgres } from "./shared-postgres.js";

interface Thing {
  _id: string;
  n: number;
}

/** Running: there, and not a zombie (an orphan's may wait a moment for its reaper). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** A detached `sh` that starts `sleep 60` in its group, prints its pid, then runs `then`. */
async function shellWithGrandchild(then: string) {
  const child = startChild({ name: "sh", command: "sh", args: ["-c", `sleep 60 & echo $!; ${then}`], detached: true });
  const grandchild = Number(await waitFor(() => child.log.all()[0], { what: "the grandchild's pid" }));
  return { child, grandchild };
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

  it.skipIf(mongoBackend() !== "postgresql")(
    "startMongo over a given port, dir and database keeps them: a second FerretDB reads the first one's data",
    async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), "testkit-ferret-kept-"));
      const database = `kept_${process.pid}`;
      const server = await acquirePostgres();
      const opts = { dataDir, database, acquirePostgres: async () => ({ url: server.url, release: async () => {} }) };
      try {
        const port = await freePort();
        const first = await startMongo({ ...opts, port });
        expect(first.url).toBe(`mongodb://127.0.0.1:${port}/`);
        expect(first.dbName).toBe(database);
        const write = new MongoClient(first.url);
        try {
          await write.db(database).collection<Thing>("things").insertOne({ _id: "a", n: 1 });
        } finally {
          await write.close();
        }
        await first.cleanup();
        expect(existsSync(dataDir)).toBe(true);

        const second = await startMongo(opts);
        const read = new MongoClient(second.url);
        try {
          expect((await read.db(database).collection<Thing>("things").findOne({ _id: "a" }))?.n).toBe(1);
        } finally {
          await read.close();
          await second.cleanup();
        }
      } finally {
        await dropDatabase(server.url, database);
        await server.release();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );

  describe.skipIf(process.platform !== "linux")("a detached child (a process group of its own)", () => {
    it("takes its whole group along on SIGKILL", async () => {
      const { child, grandchild } = await shellWithGrandchild("wait");
      expect(running(grandchild)).toBe(true);
      await child.signal("SIGKILL");
      await waitFor(() => !running(grandchild), { what: "the grandchild to be gone", timeoutMs: 2_000 });
    });

    it("leaves nothing of its group behind once it has exited", async () => {
      const { child, grandchild } = await shellWithGrandchild("exit 0");
      expect(await child.exited).toBe(0);
      await waitFor(() => !running(grandchild), { what: "the grandchild to be gone", timeoutMs: 2_000 });
    });
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
