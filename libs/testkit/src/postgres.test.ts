import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { type Document, MongoClient } from "mongodb";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startChild } from "./child.js";
import { startMongo } from "./mongo.js";
import { mongoBackend, mongoBackendLabel } from "./mongo-backend.js";
import { databaseUrl, dropDatabase, prepareFerretDatabase } from "./pg-database.js";
import { canConnect } from "./ports.js";
import { EPHEMERAL_SETTINGS, startEmbeddedPostgres } from "./postgres.js";
import { repoRoot } from "./repo.js";
import { createSharedPostgres } from "./shared-postgres.js";
import { waitFor } from "./wait.js";

const onPostgres = mongoBackend() === "postgresql";

function runPgUrl(): string {
  const url = process.env.PG_URL;
  if (!url) throw new Error("PG_URL is not set in this worker");
  return url;
}

const portOf = (url: string) => Number(new URL(url).port);

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Every plan node of a FerretDB `explain` answer (its queryPlanner is PostgreSQL's EXPLAIN as JSON). */
function planNodes(plan: unknown): Document[] {
  if (typeof plan !== "object" || plan === null) return [];
  const node = plan as Document;
  const children: unknown[] = Array.isArray(node.Plans) ? node.Plans : [];
  return [node, ...children.flatMap(planNodes)];
}

describe.skipIf(!onPostgres)("FerretDB over PostgreSQL", () => {
  it("the run's one embedded PostgreSQL reaches this forked worker as PG_URL", () => {
    expect(runPgUrl()).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
  });

  it("a suite database gets custom plans and the GIN twin trigger, and is dropped with its connections", async () => {
    const server = runPgUrl();
    const name = `test_twins_${process.pid}`;
    const url = await prepareFerretDatabase(server, name);
    await prepareFerretDatabase(server, name); // idempotent
    expect(url).toBe(`${databaseUrl(server, name)}?pool_max_conns=100`);
    const [setting] = await query<{ plan_cache_mode: string }>(url, "SHOW plan_cache_mode");
    expect(setting?.plan_cache_mode).toBe("force_custom_plan");
    const triggers = await query(url, "SELECT 1 FROM pg_event_trigger WHERE evtname = 'ai_jobs_gin_twins'");
    expect(triggers).toHaveLength(1);

    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    holder.on("error", () => undefined); // the drop terminates it
    await dropDatabase(server, name);
    await holder.end().catch(() => undefined);
    expect(await query(server, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).toHaveLength(0);
  });

  it("FerretDB's indexes get GIN twins that its pushed-down equality filters use", async () => {
    const mongo = await startMongo();
    const client = await MongoClient.connect(mongo.url);
    try {
      const db = client.db(mongo.dbName);
      const things = db.collection<{ _id: string; tenantId: string; a: { b: number } }>("things");
      await things.createIndex({ tenantId: 1, createdAt: -1 });
      await things.createIndex({ "a.b": 1 });
      await things.insertMany(
        Array.from({ length: 500 }, (_, i) => ({ _id: `d${i}`, tenantId: `t${i % 5}`, a: { b: i } })),
      );
      const explain = async (filter: Document) => {
        const res = await db.command({ explain: { find: "things", filter } });
        return planNodes(res.queryPlanner?.Plan);
      };
      const twinsUsed = (nodes: Document[]) =>
        nodes.filter((n) => n["Node Type"] === "Bitmap Index Scan" && String(n["Index Name"]).endsWith("_gin"));

      expect(twinsUsed(await explain({ _id: "d7" }))).toHaveLength(1);
      expect(twinsUsed(await explain({ tenantId: "t3" }))).toHaveLength(1);
      // Dot paths are sent as `#>` (no twin), and `$in` is not pushed down at all.
      expect(twinsUsed(await explain({ "a.b": 7 }))).toHaveLength(0);
      expect(twinsUsed(await explain({ _id: { $in: ["d1", "d2"] } }))).toHaveLength(0);
      expect(await things.findOne({ _id: "d7" })).toMatchObject({ tenantId: "t2" });
    } finally {
      await client.close();
      await mongo.cleanup();
    }
  });

  it("an embedded server whose port is taken starts on another one, and stop() removes its data", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const taken = typeof address === "object" && address !== null ? address.port : 0;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-jobs-pg-test-"));
    try {
      const server = await startEmbeddedPostgres({
        dataDir,
        persistent: false,
        password: "pw",
        settings: EPHEMERAL_SETTINGS,
        port: taken,
      });
      try {
        expect(portOf(server.url)).not.toBe(taken);
        expect(await query(server.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      } finally {
        await server.stop();
      }
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("a process-owned server is shared by its users and stopped when the last one releases it", async () => {
    const shared = createSharedPostgres();
    const [a, b] = await Promise.all([shared.acquire(), shared.acquire()]);
    expect(b.url).toBe(a.url);
    await a.release();
    await a.release(); // once only
    expect(await query(b.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    await b.release();
    expect(await canConnect(portOf(b.url))).toBe(false);
    const c = await shared.acquire();
    try {
      expect(await query(c.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await c.release();
    }
  });

  it("a script that owns its PostgreSQL leaves neither it nor its FerretDB behind on SIGTERM", async () => {
    const src = (file: string) => JSON.stringify(path.join(repoRoot(), "libs", "testkit", "src", file));
    const code = [
      `const { acquirePostgres } = await import(${src("shared-postgres.ts")});`,
      `const { startMongo } = await import(${src("mongo.ts")});`,
      "const lease = await acquirePostgres();",
      "const mongo = await startMongo();",
      "console.log(JSON.stringify({ pg: lease.url, mongo: mongo.url }));",
      "setInterval(() => {}, 60_000);",
    ].join("\n");
    const script = startChild({
      name: "script",
      command: process.execPath,
      args: ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", code],
      env: { ...process.env, PG_URL: "", FERRETDB_BACKEND: "postgresql" },
      cwd: repoRoot(),
    });
    try {
      const line = await waitFor(() => script.log.all().find((l) => l.startsWith("{")), {
        what: "the script's servers",
        timeoutMs: 60_000,
      });
      const urls = JSON.parse(line) as { pg: string; mongo: string };
      expect(await canConnect(portOf(urls.pg))).toBe(true);
      expect(await script.signal("SIGTERM")).toBe(143);
      expect(await canConnect(portOf(urls.pg))).toBe(false);
      expect(await canConnect(portOf(urls.mongo))).toBe(false);
    } finally {
      await script.stop();
    }
  });
});

describe("mongoBackendLabel", () => {
  it("names the store startMongo() uses", async () => {
    expect(await mongoBackendLabel({ MONGO_URL: "mongodb://elsewhere/" })).toBe("MONGO_URL");
    expect(await mongoBackendLabel({ FERRETDB_BACKEND: "sqlite" })).toMatch(/^FerretDB \d+\.\d+\.\d+ on SQLite$/);
    expect(await mongoBackendLabel({})).toMatch(/^FerretDB \d+\.\d+\.\d+ on PostgreSQL \d+\.\d+$/);
    if (onPostgres) {
      expect(await mongoBackendLabel({ PG_URL: runPgUrl() })).toMatch(/^FerretDB \d+\.\d+\.\d+ on PostgreSQL \d+/);
    }
    expect(() => mongoBackend({ FERRETDB_BACKEND: "mysql" })).toThrow(/FERRETDB_BACKEND/);
  });
});
