import { type MongoServer, startMongo } from "@ai-jobs/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkWriteInSlices, MAX_STATEMENTS_PER_COMMAND } from "./bulk-write.js";

interface Counter {
  _id: string;
  n: number;
}

let server: MongoServer;
let client: MongoClient;

beforeAll(async () => {
  server = await startMongo();
  client = await MongoClient.connect(server.url);
});

afterAll(async () => {
  await client?.close();
  await server?.cleanup();
});

describe("bulkWriteInSlices", () => {
  // In one command, 100 matching updates deadlock FerretDB 1.24 for good, on SQLite and on PostgreSQL alike (the
  // testkit's default; FERRETDB_BACKEND=sqlite runs it on the other): this is the regression test.
  it("writes 300 upserts and then 300 ordered updates, and sums the counts of every slice", async () => {
    const counters = client.db(server.dbName).collection<Counter>("counters");
    const ids = Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, "0")}`);

    const upserted = await bulkWriteInSlices(
      counters,
      ids.map((_id) => ({ replaceOne: { filter: { _id }, replacement: { _id, n: 0 }, upsert: true } })),
      { ordered: false },
    );
    expect(upserted.upsertedCount).toBe(300);

    // Two increments of each counter, in order: each one applies only on the value the one before it left.
    const updates = ids.flatMap((_id) => [
      { updateOne: { filter: { _id, n: 0 }, update: { $set: { n: 1 } } } },
      { updateOne: { filter: { _id, n: 1 }, update: { $set: { n: 2 } } } },
    ]);
    expect(updates.length).toBeGreaterThan(MAX_STATEMENTS_PER_COMMAND * 10);
    const updated = await bulkWriteInSlices(counters, updates, { ordered: true });
    expect(updated).toMatchObject({ matchedCount: 600, modifiedCount: 600 });
    expect(await counters.countDocuments({ n: 2 })).toBe(300);
  });

  it("does nothing for an empty list", async () => {
    const counters = client.db(server.dbName).collection<Counter>("empty");
    expect((await bulkWriteInSlices(counters, [])).modifiedCount).toBe(0);
  });
});
