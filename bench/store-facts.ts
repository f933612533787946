/**
 * What FerretDB guarantees, checked on each backend rather than assumed: whether one bulk `update` command of many
 * matching statements hangs the server, whether conditional updates are atomic, whether a unique `_id` insert is a
 * reliable claim, whether `$in` on `_id` is pushed down, whether `$group` computes several `$sum`s.
 * Run: npm run bench -- facts   (FACTS_BACKENDS="postgresql,sqlite", FACTS_ROUNDS=20, FACTS_HANG_MS=20000,
 * FACTS_BULKS="10x1,49x1,…": bulk shapes as <statements>x<bulks at once>)
 */
import { type MongoServer, startMongo } from "@ai-jobs/testkit";
import { type Db, MongoClient } from "mongodb";

const backends = (process.env.FACTS_BACKENDS ?? "postgresql,sqlite").split(",");
const rounds = Number(process.env.FACTS_ROUNDS ?? 20);
const hangMs = Number(process.env.FACTS_HANG_MS ?? 20_000);
/** Bulk shapes, `<statements>x<bulks at once>`. */
const bulkShapes = (process.env.FACTS_BULKS ?? "10x1,99x1,100x1,50x2,10x10,10x20").split(",").map((shape) => {
  const [size, parallel] = shape.split("x").map(Number);
  return [size ?? 0, parallel ?? 1] as const;
});

interface Counter {
  _id: string;
  n: number;
  lease?: string | null;
  x?: number;
}

const sleep = (ms: number) => new Promise<"timeout">((resolve) => setTimeout(resolve, ms, "timeout").unref());

/** One unordered bulk of `size` matching updates, `parallel` at once: "ok" or "hangs". */
async function bulkUpdate(db: Db, size: number, parallel: number, tag: string): Promise<string> {
  const bulks = Array.from({ length: parallel }, (_, p) => {
    const coll = db.collection<Counter>(`bulk_${tag}_${p}`);
    const ids = Array.from({ length: size }, (_, i) => `c${i}`);
    return { coll, ids };
  });
  for (const { coll, ids } of bulks) await coll.insertMany(ids.map((_id) => ({ _id, n: 0 })));
  const t0 = performance.now();
  const run = Promise.all(
    bulks.map(({ coll, ids }) =>
      coll.bulkWrite(
        ids.map((_id) => ({ updateOne: { filter: { _id }, update: { $inc: { n: 1 } } } })),
        { ordered: false },
      ),
    ),
  );
  const outcome = await Promise.race([run.then(() => "ok" as const), sleep(hangMs)]);
  run.catch(() => undefined);
  return outcome === "ok" ? `ok (${Math.round(performance.now() - t0)} ms)` : `hangs (> ${hangMs / 1000} s)`;
}

/** Rounds of `writers` concurrent `findOneAndUpdate({_id, lease: null})` claims: how many won in total. */
async function leaseClaims(db: Db, writers: number): Promise<number> {
  const coll = db.collection<Counter>("leases");
  let won = 0;
  for (let r = 0; r < rounds; r++) {
    await coll.insertOne({ _id: `r${r}`, n: 0, lease: null });
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        coll.findOneAndUpdate({ _id: `r${r}`, lease: null }, { $set: { lease: `w${w}` } }),
      ),
    );
    won += results.filter((doc) => doc !== null).length;
  }
  return won;
}

/** `n` concurrent `$inc: 1` on one document: its final value. */
async function increments(db: Db, n: number): Promise<number> {
  const coll = db.collection<Counter>("incs");
  await coll.insertOne({ _id: "one", n: 0 });
  await Promise.all(Array.from({ length: n }, () => coll.updateOne({ _id: "one" }, { $inc: { n: 1 } })));
  return (await coll.findOne({ _id: "one" }))?.n ?? -1;
}

/** Rounds of `writers` concurrent inserts of the same `_id`: how many succeeded in total. */
async function uniqueInserts(db: Db, writers: number): Promise<number> {
  const coll = db.collection<Counter>("claims");
  let won = 0;
  for (let r = 0; r < rounds; r++) {
    const results = await Promise.allSettled(
      Array.from({ length: writers }, () => coll.insertOne({ _id: `claim${r}`, n: 0 })),
    );
    won += results.filter((res) => res.status === "fulfilled").length;
  }
  return won;
}

async function inOnId(db: Db): Promise<string> {
  const coll = db.collection<Counter>("in");
  await coll.insertMany(Array.from({ length: 2_000 }, (_, i) => ({ _id: `d${i}`, n: i })));
  const ids = Array.from({ length: 70 }, (_, i) => `d${i * 20}`);
  const found = await coll.find({ _id: { $in: ids } }).toArray();
  const explain = await db.command({ explain: { find: "in", filter: { _id: { $in: ids } } } });
  return `${found.length}/70 found, pushdown: ${String(explain.filterPushdown)}`;
}

async function groupSums(db: Db): Promise<string> {
  const coll = db.collection<Counter>("sums");
  await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: `s${i}`, n: 1, x: 2 })));
  const [row] = await coll
    .aggregate<{ n: number; x: number; count: number }>([
      { $group: { _id: null, n: { $sum: "$n" }, x: { $sum: "$x" }, count: { $sum: 1 } } },
    ])
    .toArray();
  return `n ${row?.n} (10), x ${row?.x} (20), count ${row?.count} (10)`;
}

async function check(backend: string): Promise<Record<string, string>> {
  const mongo: MongoServer = await startMongo({ env: { ...process.env, FERRETDB_BACKEND: backend } });
  let client = await MongoClient.connect(mongo.url, { maxPoolSize: 100 });
  const db = () => client.db(mongo.dbName);
  const out: Record<string, string> = {};
  try {
    out["4 concurrent findOneAndUpdate({_id, lease: null}) claims: winners"] =
      `${await leaseClaims(db(), 4)} in ${rounds} rounds (atomic: ${rounds})`;
    out["40 concurrent $inc on one document: final value"] = `${await increments(db(), 40)} (atomic: 40)`;
    out["4 concurrent inserts of one _id: successes"] =
      `${await uniqueInserts(db(), 4)} in ${rounds} rounds (reliable: ${rounds})`;
    out["find({_id: {$in: 70 ids}}) at 2,000 docs"] = await inOnId(db());
    out["$group with three $sum"] = await groupSums(db());
    for (const [size, parallel] of bulkShapes) {
      const outcome = await bulkUpdate(db(), size, parallel, `${size}x${parallel}`);
      out[`bulk of ${size} matching updates${parallel > 1 ? `, ${parallel} at once` : ""}`] = outcome;
      if (outcome.startsWith("hangs")) {
        // A hung FerretDB stays hung: start it again for the next check.
        await client.close(true);
        await mongo.kill();
        await mongo.restart();
        client = await MongoClient.connect(mongo.url, { maxPoolSize: 100 });
      }
    }
  } finally {
    await client.close(true);
    await mongo.cleanup();
  }
  return out;
}

const results = new Map<string, Record<string, string>>();
for (const backend of backends) {
  results.set(backend, await check(backend));
  console.error(`${backend}: done`);
}
const checks = Object.keys([...results.values()][0] ?? {});
console.log(`FerretDB facts, ${new Date().toISOString().slice(0, 10)}, ${rounds} rounds\n`);
console.log(`| check | ${backends.join(" | ")} |`);
console.log(`|---|${backends.map(() => "---").join("|")}|`);
for (const name of checks) console.log(`| ${name} | ${backends.map((b) => results.get(b)?.[name]).join(" | ")} |`);
