/**
 * The store's hot operations at one collection size: latency of each, one client, one operation at a time, on
 * FerretDB over PostgreSQL with the GIN twins (testkit's default), without them, and on SQLite.
 * Run: npm run bench -- store   (STORE_DOCS=20000, STORE_OPS=200, STORE_VARIANTS="twins,plain,sqlite")
 */
import os from "node:os";
import { type MongoServer, mongoBackendLabel, startMongo } from "@ai-jobs/testkit";
import { type Collection, MongoClient } from "mongodb";
import { median } from "./stats.js";

interface Doc {
  _id: string;
  tenantId: string;
  status: string;
  seq: number;
  createdAt: Date;
  payload: { goal: string; days: number };
}

const docs = Number(process.env.STORE_DOCS ?? 20_000);
const ops = Number(process.env.STORE_OPS ?? 200);
const variants = (process.env.STORE_VARIANTS ?? "twins,plain,sqlite").split(",");
const BATCH = 200;
const TENANTS = 10;

const start: Record<string, () => Promise<MongoServer>> = {
  twins: () => startMongo(),
  plain: () => startMongo({ ginTwins: false }),
  sqlite: () => startMongo({ env: { ...process.env, FERRETDB_BACKEND: "sqlite" } }),
};

const id = (i: number) => `job_${String(i).padStart(8, "0")}`;
const doc = (i: number): Doc => ({
  _id: id(i),
  tenantId: `t${i % TENANTS}`,
  status: "queued",
  seq: 0,
  createdAt: new Date(),
  payload: { goal: `goal ${i}`, days: 7 },
});
const pick = () => Math.floor(Math.random() * docs);

async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op(i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function measure(coll: Collection<Doc>): Promise<Record<string, number>> {
  await coll.createIndex({ tenantId: 1, createdAt: -1 });
  const insertMany = await timed(docs / BATCH, (b) =>
    coll.insertMany(Array.from({ length: BATCH }, (_, k) => doc(b * BATCH + k))),
  );
  return {
    [`insertMany (${BATCH} docs)`]: insertMany,
    "findOne({_id})": await timed(ops, () => coll.findOne({ _id: id(pick()) })),
    "updateOne({_id})": await timed(ops, () => coll.updateOne({ _id: id(pick()) }, { $set: { status: "running" } })),
    "updateOne({_id, seq: {$lt}})": await timed(ops, (i) =>
      coll.updateOne({ _id: id(pick()), seq: { $lt: i + 1 } }, { $set: { seq: i + 1 } }),
    ),
    "find({tenantId}).sort({_id: -1}).limit(20)": await timed(Math.max(5, ops / 10), (i) =>
      coll
        .find({ tenantId: `t${i % TENANTS}` })
        .sort({ _id: -1 })
        .limit(20)
        .toArray(),
    ),
  };
}

const results = new Map<string, Record<string, number>>();
for (const variant of variants) {
  const begin = start[variant];
  if (!begin) throw new Error(`unknown variant ${variant} (twins, plain, sqlite)`);
  const mongo = await begin();
  const client = await MongoClient.connect(mongo.url);
  try {
    results.set(variant, await measure(client.db(mongo.dbName).collection<Doc>("jobs")));
    console.error(`${variant}: done`);
  } finally {
    await client.close();
    await mongo.cleanup();
  }
}

const label = await mongoBackendLabel();
console.log(
  `store operations at ${docs.toLocaleString("en")} documents, median of ${ops} (find: ${Math.max(5, ops / 10)}); ` +
    `${os.cpus().length} cores, Node ${process.version}, ${label}; ${new Date().toISOString().slice(0, 10)}\n`,
);
const names = Object.keys([...results.values()][0] ?? {});
console.log(`| operation | ${variants.join(" | ")} |`);
console.log(`|---|${variants.map(() => "---").join("|")}|`);
for (const name of names) {
  const cells = variants.map((v) => `${(results.get(v)?.[name] ?? Number.NaN).toFixed(2)} ms`);
  console.log(`| \`${name}\` | ${cells.join(" | ")} |`);
}
