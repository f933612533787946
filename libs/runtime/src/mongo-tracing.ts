import { SpanKind, type Tracer, trace } from "@opentelemetry/api";
import type { Collection, Document } from "mongodb";
import type { Collections } from "./mongo.js";
import { inSpan } from "./telemetry.js";

/** The promise-returning operations that get a span. Cursor reads (`find`, `aggregate`) are not traced. */
const TRACED = new Set([
  "insertOne",
  "insertMany",
  "updateOne",
  "updateMany",
  "replaceOne",
  "deleteOne",
  "deleteMany",
  "bulkWrite",
  "findOne",
  "findOneAndUpdate",
  "findOneAndReplace",
  "findOneAndDelete",
  "countDocuments",
]);

/**
 * A collection whose writes (and single-document reads) run inside CLIENT spans with the database semantic
 * conventions. Only inside an existing span (a request, a job, a projected batch): background polls (scheduler
 * ticks, reconciler rounds) would otherwise each start a trace of one span.
 *
 * Why not `@opentelemetry/instrumentation-mongodb`: it patches the driver at load time, which under ESM needs a
 * loader hook (`--import`) in every entry point and test runner; wrapping the collections we hand out is explicit,
 * works the same in `tsx`, vitest and the built output, and covers exactly the repository writes of a job.
 */
export function tracedCollection<T extends Document>(collection: Collection<T>, tracer: Tracer): Collection<T> {
  const attributes = {
    "db.system.name": "mongodb",
    "db.system": "mongodb",
    "db.namespace": collection.dbName,
    "db.collection.name": collection.collectionName,
  };
  return new Proxy(collection, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof prop !== "string" || !TRACED.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (!trace.getActiveSpan()) return value.apply(target, args);
        return inSpan(
          tracer,
          `${prop} ${collection.collectionName}`,
          { kind: SpanKind.CLIENT, attributes: { ...attributes, "db.operation.name": prop } },
          () => value.apply(target, args) as Promise<unknown>,
        );
      };
    },
  });
}

/** Every collection of the platform, traced. */
export function tracedCollections(collections: Collections, tracer: Tracer): Collections {
  const traced: Partial<Record<keyof Collections, unknown>> = {};
  for (const [name, collection] of Object.entries(collections) as [keyof Collections, Collection<Document>][]) {
    traced[name] = tracedCollection(collection, tracer);
  }
  return traced as Collections;
}
