import path from "node:path";
import { BUCKETS, type DocumentRecord, type JobCommand, type StudyPlan, SUBJECTS } from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import {
  freePort,
  type MongoServer,
  type NatsServer,
  repoRoot,
  spawnService,
  startMongo,
  startNats,
  waitFor,
} from "@ai-jobs/testkit";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TENANT = "tenant_process";
const newId = createIdGenerator();

let nats: NatsServer | undefined;
let mongo: MongoServer | undefined;

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNats(), startMongo()]);
});

afterAll(async () => {
  await Promise.all([nats?.cleanup(), mongo?.cleanup()]);
});

describe("ingestor process", () => {
  it("boots, reports ready, ingests an uploaded file from a published command, and exits cleanly on SIGTERM", async () => {
    if (!nats || !mongo) throw new Error("servers not started");
    const port = await freePort();
    const ingestor = await spawnService({
      name: "ingestor",
      entry: path.join(repoRoot(), "services/ingestor/src/main.ts"),
      env: {
        NATS_URL: nats.url,
        MONGO_URL: mongo.url,
        MONGO_DB: mongo.dbName,
        HOST: "127.0.0.1",
        HEALTH_PORT: String(port),
        LOG_LEVEL: "info",
        EMBEDDING_DIM: "32",
        SHUTDOWN_TIMEOUT_MS: "10000",
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    const client = new MongoClient(mongo.url);
    const nc = await connect({ servers: nats.url });
    try {
      const db = client.db(mongo.dbName);
      const now = new Date();
      const planId = newId();
      const fileId = newId();
      const documentId = newId();
      // The ingestor provisioned the MATERIALS bucket at boot; the test plays the gateway's upload.
      const store = await new Objm(jetstream(nc)).open(BUCKETS.materials);
      await store.putBlob({ name: fileId }, new TextEncoder().encode("# Notes\n\nHello world.\n\n## More\n\nBye."));
      await db.collection<StudyPlan>("study_plans").insertOne({
        _id: planId,
        tenantId: TENANT,
        userId: "user_1",
        title: "Notes",
        goal: "notes",
        studyContext: null,
        startDate: "2025-05-01",
        endDate: "2025-05-01",
        dailyMinutes: 30,
        generationStatus: "succeeded",
        ingestStatus: "pending",
        lastError: null,
        jobId: null,
        provider: "offline",
        createdAt: now,
        updatedAt: now,
      });
      const documents = db.collection<DocumentRecord>("documents");
      await documents.insertOne({
        _id: documentId,
        tenantId: TENANT,
        planId,
        fileId,
        filename: "notes.md",
        contentType: "text/markdown; charset=utf-8",
        size: 40,
        ingestStatus: "pending",
        lastError: null,
        jobId: null,
        chunkCount: 0,
        createdAt: now,
        updatedAt: now,
      });
      const command: JobCommand = {
        jobId: newId(),
        tenantId: TENANT,
        userId: "user_1",
        type: "material.ingest",
        queue: "ingest",
        priority: "low",
        payload: { planId, documentId, fileId, filename: "notes.md", contentType: "text/markdown; charset=utf-8" },
        createdAt: now.toISOString(),
      };
      await jetstream(nc).publish(SUBJECTS.job("ingest", "low", TENANT), JSON.stringify(command), {
        msgID: command.jobId,
      });
      const done = await waitFor(
        async () => {
          const d = await documents.findOne({ _id: documentId });
          return d?.ingestStatus === "succeeded" ? d : undefined;
        },
        { what: "the document to be ingested", timeoutMs: 20_000 },
      );
      expect(done.chunkCount).toBe(2);
      const chunks = await db.collection("chunks").find({ documentId }).toArray();
      expect(chunks.map((c) => c.embedding.length)).toEqual([32, 32]);

      expect(await ingestor.kill("SIGTERM")).toBe(0);
      expect(ingestor.logs().some((line) => line.includes("worker stopped"))).toBe(true);
    } finally {
      await ingestor.kill("SIGKILL");
      await nc.close();
      await client.close();
    }
  });
});
