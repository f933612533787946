/**
 * Ingestion benchmark, on a real ingestor process with nats-server and FerretDB (tests' testkit):
 *   1. throughput: text PDFs of BENCH_PAGES pages (dense, varied text) through the whole path (object store read,
 *      pdf.js extraction, token-aware chunking, offline hashing embeddings, chunk writes, activation): pages/s and
 *      chunks/s, three runs, each in a new plan (so nothing is deduplicated);
 *   2. embedding batch efficiency: the OpenAI embedder against libs/testkit's local OpenAI-compatible server,
 *      1,920 texts at batch sizes 1/16/96/256: requests, time per request and per item (the local server answers in
 *      well under a millisecond, so this measures the per-request overhead batching saves, not OpenAI's latency);
 *      and one PDF through the process with EMBEDDING_BATCH_SIZE 1 vs 96;
 *   3. memory: a ~20 MB PDF (text pages plus a large embedded image, as scans and slide decks are) ingested by a
 *      fresh ingestor process: its peak RSS (VmHWM from /proc) after boot and after the ingest.
 * Run: npm run bench -- ingest   (BENCH_PAGES, default 300)
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { BUCKETS, type DocumentRecord, type JobCommand, type StudyPlan, SUBJECTS } from "@ai-jobs/contracts";
import { createOpenAiEmbedder } from "@ai-jobs/retrieval";
import { createIdGenerator } from "@ai-jobs/runtime";
import {
  documentRecord,
  mongoBackendLabel,
  planRecord,
  type StartedService,
  startEmbeddingsTestServer,
  startMongo,
  startNats,
  startServiceProcess,
} from "@ai-jobs/testkit";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { median } from "./stats.js";

const PAGES = Number(process.env.BENCH_PAGES ?? 300);
const TENANT = "bench";
const newId = createIdGenerator();

const WORDS = (
  "cell energy protein membrane enzyme carbon light water oxygen glucose nucleus gene mitosis photon vector matrix " +
  "function derivative integral limit series theorem proof empire senate legion province trade road river harbor " +
  "market price supply demand inflation contract law court judge evidence memory cache thread process socket"
).split(" ");

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A page of ~2,400 characters in paragraphs of sentences drawn from WORDS. */
function pageText(next: () => number, page: number): string[] {
  const lines: string[] = [`Chapter ${page}`];
  for (let p = 0; p < 6; p++) {
    for (let l = 0; l < 5; l++) {
      const words = Array.from({ length: 12 }, () => WORDS[Math.floor(next() * WORDS.length)] as string);
      lines.push(`${words.join(" ")}.`);
    }
    lines.push("");
  }
  return lines;
}

async function textPdf(pages: number, seed: number, fillerBytes = 0): Promise<Uint8Array> {
  const next = seeded(seed);
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= pages; n++) {
    const page = pdf.addPage([595, 842]);
    let y = 800;
    for (const line of pageText(next, n)) {
      page.drawText(line, { x: 30, y, size: 8, font });
      y -= line ? 11 : 6;
    }
  }
  if (fillerBytes > 0) {
    // A JPEG stream of random bytes after a valid SOF0 header: pdf-lib embeds it without decoding, and pdf.js never
    // decodes images to extract text, so it weighs on the file (and its read) like a scanned figure would.
    const sof = Buffer.from([
      0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x08, 0x00, 0x08, 0x00, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    ]);
    const body = Buffer.alloc(fillerBytes);
    const rnd = seeded(7);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(Math.floor(rnd() * 2 ** 32), i);
    for (let i = 0; i < body.length; i++) if (body[i] === 0xff) body[i] = 0xfe;
    const image = await pdf.embedJpg(Buffer.concat([sof, body, Buffer.from([0xff, 0xd9])]));
    pdf.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return pdf.save({ useObjectStreams: true });
}

const nats = await startNats();
const mongo = await startMongo();
const openai = await startEmbeddingsTestServer();
const nc = await connect({ servers: nats.url });
const client = new MongoClient(mongo.url);
const db = client.db(mongo.dbName);

function startIngestor(env: Record<string, string> = {}): Promise<StartedService> {
  return startServiceProcess("ingestor", {
    nats,
    mongo,
    env: { LOG_LEVEL: "warn", WORKER_CONCURRENCY: "1", JOB_TIMEOUTS_MS: "material.ingest=900000", ...env },
  });
}

/** Peak resident set of a process so far (VmHWM), in MiB. */
const peakRssMiB = (pid: number) => {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
};

/** Uploads a file, creates its plan and document, publishes the job and waits for the document to succeed. */
async function ingest(bytes: Uint8Array, filename: string): Promise<{ ms: number; chunks: number }> {
  const store = await new Objm(jetstream(nc)).open(BUCKETS.materials);
  const fileId = newId();
  await store.putBlob({ name: fileId }, bytes);
  const now = new Date();
  const planId = newId();
  await db.collection<StudyPlan>("study_plans").insertOne(
    planRecord(planId, TENANT, {
      title: "bench",
      goal: "bench",
      generationStatus: "succeeded",
      ingestStatus: "pending",
      provider: "offline",
    }),
  );
  const documents = db.collection<DocumentRecord>("documents");
  const documentId = newId();
  await documents.insertOne(
    documentRecord(documentId, TENANT, {
      planId,
      fileId,
      filename,
      contentType: "application/pdf",
      size: bytes.length,
    }),
  );
  const command: JobCommand = {
    jobId: newId(),
    tenantId: TENANT,
    userId: "u",
    type: "material.ingest",
    queue: "ingest",
    priority: "normal",
    payload: { planId, documentId, fileId, filename, contentType: "application/pdf" },
    createdAt: now.toISOString(),
  };
  const t0 = performance.now();
  await jetstream(nc).publish(SUBJECTS.job("ingest", "normal", TENANT), JSON.stringify(command), {
    msgID: command.jobId,
  });
  for (;;) {
    const doc = await documents.findOne(
      { _id: documentId },
      { projection: { ingestStatus: 1, chunkCount: 1, lastError: 1 } },
    );
    if (doc?.ingestStatus === "succeeded") return { ms: performance.now() - t0, chunks: doc.chunkCount };
    if (doc?.ingestStatus === "failed") throw new Error(`ingest failed: ${doc.lastError}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

try {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, ${await mongoBackendLabel()}`,
  );

  // 1. Throughput, offline embedder.
  const offline = await startIngestor();
  const pdf = await textPdf(PAGES, 1);
  console.log(`\n1. ${PAGES}-page text PDF (${mib(pdf.length)} MiB), offline hashing embedder, 400-token chunks`);
  const runs: Array<{ ms: number; chunks: number }> = [];
  for (let run = 0; run < 3; run++) runs.push(await ingest(pdf, `book-${run}.pdf`));
  for (const r of runs) {
    console.log(
      `   ${(r.ms / 1000).toFixed(2)} s: ${(PAGES / (r.ms / 1000)).toFixed(1)} pages/s, ${r.chunks} chunks, ${(r.chunks / (r.ms / 1000)).toFixed(1)} chunks/s`,
    );
  }
  const mid = median(runs.map((r) => r.ms));
  console.log(
    `   median: ${(PAGES / (mid / 1000)).toFixed(1)} pages/s, ${((runs[0]?.chunks ?? 0) / (mid / 1000)).toFixed(1)} chunks/s`,
  );
  await offline.kill("SIGTERM");

  // 2a. Batch efficiency of the embedder itself.
  console.log("\n2a. OpenAI embedder → local test server, 1,920 texts of ~60 words, 256 dimensions");
  const texts = Array.from({ length: 1_920 }, (_, i) => pageText(seeded(i), i).slice(1, 6).join(" "));
  for (const batchSize of [1, 16, 96, 256]) {
    openai.requests.length = 0;
    const embedder = createOpenAiEmbedder({ apiKey: "k", baseURL: openai.url, model: "m", dimensions: 256, batchSize });
    const t0 = performance.now();
    await embedder.embed(texts, { signal: new AbortController().signal });
    const ms = performance.now() - t0;
    const requests = openai.requests.length;
    console.log(
      `   batch ${String(batchSize).padStart(3)}: ${requests} requests, ${ms.toFixed(0)} ms total, ${(ms / requests).toFixed(2)} ms/request, ${((ms / texts.length) * 1000).toFixed(0)} µs/text`,
    );
  }

  // 2b. The same through the process.
  const small = await textPdf(60, 2);
  console.log("\n2b. 60-page PDF through the ingestor with the OpenAI embedder (local test server)");
  for (const batchSize of ["1", "96"]) {
    openai.requests.length = 0;
    const proc = await startIngestor({
      OPENAI_API_KEY: "k",
      OPENAI_BASE_URL: openai.url,
      EMBEDDING_BATCH_SIZE: batchSize,
    });
    const r = await ingest(small, `batch-${batchSize}.pdf`);
    const calls = openai.requests.filter((x) => x.path === "/v1/embeddings");
    console.log(
      `   EMBEDDING_BATCH_SIZE=${batchSize}: ${(r.ms / 1000).toFixed(2)} s, ${r.chunks} chunks in ${calls.length} requests (${(r.chunks / calls.length).toFixed(1)} chunks/request), ${(r.chunks / (r.ms / 1000)).toFixed(1)} chunks/s`,
    );
    await proc.kill("SIGTERM");
  }

  // 3. Peak memory for a ~20 MB PDF.
  const big = await textPdf(100, 3, 20 * 1024 * 1024);
  const proc = await startIngestor();
  const bootPeak = peakRssMiB(proc.pid);
  const r = await ingest(big, "big.pdf");
  const peak = peakRssMiB(proc.pid);
  console.log(
    `\n3. ${mib(big.length)} MiB PDF (100 text pages + a 20 MiB image): ${(r.ms / 1000).toFixed(2)} s, ${r.chunks} chunks; ingestor peak RSS ${bootPeak.toFixed(0)} MiB after boot, ${peak.toFixed(0)} MiB after the ingest`,
  );
  await proc.kill("SIGTERM");
} finally {
  await nc.close();
  await client.close();
  await openai.close();
  await Promise.all([nats.cleanup(), mongo.cleanup()]);
}
