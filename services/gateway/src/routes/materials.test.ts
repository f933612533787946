import { JobCommand, Problem, STREAMS, SUBJECTS, UploadResponse } from "@ai-jobs/contracts";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, createPlan, otherAuth, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
let planId: string;

const SMALL_LIMIT = 64;

beforeAll(async () => {
  app = await h.app();
  planId = await createPlan(app);
});

interface FilePart {
  name?: string;
  filename: string;
  type: string;
  content: string | Uint8Array;
}

function form(file?: FilePart, fields: Record<string, string> = {}, fieldsFirst = false): FormData {
  const body = new FormData();
  const addFields = () => {
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
  };
  if (fieldsFirst) addFields();
  if (file) body.append(file.name ?? "file", new Blob([file.content], { type: file.type }), file.filename);
  if (!fieldsFirst) addFields();
  return body;
}

const upload = (
  payload: FormData,
  opts: { plan?: string; headers?: Record<string, string>; on?: FastifyInstance } = {},
) =>
  (opts.on ?? app).inject({
    method: "POST",
    url: `/api/ai/study-plans/${opts.plan ?? planId}/materials/`,
    headers: opts.headers ?? auth,
    payload,
  });

function problemOf(res: { headers: Record<string, unknown>; json(): unknown }) {
  expect(res.headers["content-type"]).toContain("application/problem+json");
  return Problem.parse(res.json());
}

const markdown = "# Vectors\n\nA vector has a size and a direction.\n";
/** The 8-byte PNG signature and an IHDR chunk header: enough for content sniffing. */
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1,
]);
/** A ZIP local file header for `hello.txt` (stored), then the end of the archive. */
const ZIP = new Uint8Array([
  ...Buffer.from("504b0304140000000000000000000000000005000000050000000900000068656c6c6f2e747874", "hex"),
  ...Buffer.from("hello"),
  ...Buffer.from("504b0506000000000000000000000000000000000000", "hex"),
]);

describe("POST /api/ai/study-plans/:id/materials/", () => {
  it("answers 202 for a Markdown file, after storing the file, the pending document and the ingest job", async () => {
    const res = await upload(
      form({ filename: "notes.md", type: "text/markdown", content: markdown }, { priority: "high" }),
    );
    expect(res.statusCode).toBe(202);
    const body = UploadResponse.parse(res.json());

    const stored = await h.materials.getBlob(body.file_id);
    expect(new TextDecoder().decode(stored ?? new Uint8Array())).toBe(markdown);

    const c = h.ctx.mongo.collections;
    expect(await c.documents.findOne({ _id: body.document_id })).toMatchObject({
      tenantId: "acme",
      planId,
      fileId: body.file_id,
      filename: "notes.md",
      contentType: "text/markdown",
      size: Buffer.byteLength(markdown),
      ingestStatus: "pending",
      chunkCount: 0,
      jobId: body.job_id,
    });
    expect(await c.plans.findOne({ _id: planId })).toMatchObject({ ingestStatus: "pending" });
    expect(await h.readJob(body.job_id)).toMatchObject({
      type: "material.ingest",
      queue: "ingest",
      priority: "high",
      status: "queued",
      maxAttempts: 5,
      payload: {
        planId,
        documentId: body.document_id,
        fileId: body.file_id,
        filename: "notes.md",
        contentType: "text/markdown",
      },
    });

    const msg = await h.ctx.nats.jsm.streams.getMessage(STREAMS.jobs, {
      last_by_subj: SUBJECTS.job("ingest", "high", "acme"),
    });
    expect(JobCommand.parse(msg?.json())).toMatchObject({ jobId: body.job_id, type: "material.ingest" });
    expect(msg?.header.get("traceparent")).toBeTruthy();
  });

  it("accepts a .txt file sent as application/octet-stream, and a text/plain file with no extension", async () => {
    const byName = await upload(
      form({ filename: "notes.txt", type: "application/octet-stream", content: "plain text" }),
    );
    expect(byName.statusCode).toBe(202);
    const byType = await upload(
      form({ filename: "notes", type: "text/plain", content: "plain text" }, { priority: "low" }, true),
    );
    expect(byType.statusCode).toBe(202);
    const doc = await h.ctx.mongo.collections.documents.findOne({
      _id: UploadResponse.parse(byType.json()).document_id,
    });
    expect(doc).toMatchObject({ filename: "notes", contentType: "text/plain" });
  });

  it("stores the kind sniffed from the content, not the declared type, and a sanitised file name", async () => {
    const cases: Array<[FilePart, string, string]> = [
      [
        { filename: "paper.txt", type: "text/plain", content: "%PDF-1.7\n%fake but signed\n" },
        "application/pdf",
        "paper.txt",
      ],
      [
        {
          filename: "page",
          type: "application/octet-stream",
          content: "<!DOCTYPE html><html><body><p>Hi</p></body></html>",
        },
        "text/html",
        "page",
      ],
      [
        { filename: "../../etc/<notes>?\u0007.md", type: "application/pdf", content: markdown },
        "text/markdown",
        "_notes__.md",
      ],
      [{ filename: "...", type: "text/plain", content: "plain words" }, "text/plain", ""],
    ];
    for (const [file, contentType, filename] of cases) {
      const res = await upload(form(file));
      expect(res.statusCode, file.filename).toBe(202);
      const body = UploadResponse.parse(res.json());
      const doc = await h.ctx.mongo.collections.documents.findOne({ _id: body.document_id });
      expect(doc?.contentType, file.filename).toBe(contentType);
      expect(doc?.filename, file.filename).toBe(filename || body.file_id);
      const job = await h.readJob(body.job_id);
      expect(job?.payload).toMatchObject({ contentType, fileId: body.file_id });
    }
  });

  it("with document_id, replaces an existing document's file: same document, new file, the old file deleted", async () => {
    const first = UploadResponse.parse(
      (await upload(form({ filename: "v1.md", type: "text/markdown", content: markdown }))).json(),
    );
    const res = await upload(
      form(
        { filename: "v2.md", type: "text/markdown", content: `${markdown}\nMore.\n` },
        { document_id: first.document_id },
      ),
    );
    expect(res.statusCode).toBe(202);
    const second = UploadResponse.parse(res.json());
    expect(second.document_id).toBe(first.document_id);
    expect(second.file_id).not.toBe(first.file_id);
    const doc = await h.ctx.mongo.collections.documents.findOne({ _id: first.document_id });
    expect(doc).toMatchObject({
      fileId: second.file_id,
      filename: "v2.md",
      jobId: second.job_id,
      ingestStatus: "pending",
    });
    expect(await h.materials.getBlob(first.file_id)).toBeNull();

    const before = await h.counts();
    const unknown = await upload(
      form({ filename: "v3.md", type: "text/markdown", content: markdown }, { document_id: "no_such_doc" }),
    );
    expect(unknown.statusCode).toBe(404);
    // The file stored before the unknown id was found is deleted again (its delete marker remains).
    expect({ ...(await h.counts()), objectStoreMessages: 0 }).toEqual({ ...before, objectStoreMessages: 0 });
  });

  describe("writes nothing when it rejects an upload", () => {
    const rejected: Array<{ name: string; status: number; code: string; send: () => ReturnType<typeof upload> }> = [
      {
        name: "a JSON body (415)",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        send: () =>
          app.inject({
            method: "POST",
            url: `/api/ai/study-plans/${planId}/materials/`,
            headers: auth,
            payload: { file: "notes.md" },
          }),
      },
      {
        name: "a request with no body (415)",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        send: () => app.inject({ method: "POST", url: `/api/ai/study-plans/${planId}/materials/`, headers: auth }),
      },
      {
        name: "an .exe file (415)",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        send: () =>
          upload(form({ filename: "setup.exe", type: "application/octet-stream", content: "MZ\u0090\u0000" })),
      },
      {
        name: "a PNG named .pdf (415)",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        send: () => upload(form({ filename: "paper.pdf", type: "application/pdf", content: PNG })),
      },
      {
        name: "a ZIP that is not a Word document, named .docx (415)",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        send: () => upload(form({ filename: "essay.docx", type: "application/octet-stream", content: ZIP })),
      },
      {
        name: "a binary file renamed to .txt (415)",
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        send: () =>
          upload(form({ filename: "notes.txt", type: "text/plain", content: new Uint8Array([77, 90, 0, 0, 1]) })),
      },
      {
        name: "an empty file (400)",
        status: 400,
        code: "VALIDATION_FAILED",
        send: () => upload(form({ filename: "empty.md", type: "text/markdown", content: "" })),
      },
      {
        name: "a form without a file (400)",
        status: 400,
        code: "VALIDATION_FAILED",
        send: () => upload(form(undefined, { priority: "high" })),
      },
      {
        name: "two files (400)",
        status: 400,
        code: "VALIDATION_FAILED",
        send: () => {
          const body = form({ filename: "a.md", type: "text/markdown", content: markdown });
          body.append("other", new Blob(["more"], { type: "text/plain" }), "b.txt");
          return upload(body);
        },
      },
      {
        name: "a bad priority field after the file (400)",
        status: 400,
        code: "VALIDATION_FAILED",
        send: () =>
          upload(form({ filename: "notes.md", type: "text/markdown", content: markdown }, { priority: "asap" })),
      },
      {
        name: "a multipart body without a boundary (400)",
        status: 400,
        code: "VALIDATION_FAILED",
        send: () =>
          app.inject({
            method: "POST",
            url: `/api/ai/study-plans/${planId}/materials/`,
            headers: { ...auth, "content-type": "multipart/form-data" },
            payload: "hello",
          }),
      },
      {
        name: "a multipart body cut off inside the file (400)",
        status: 400,
        code: "VALIDATION_FAILED",
        send: () =>
          app.inject({
            method: "POST",
            url: `/api/ai/study-plans/${planId}/materials/`,
            headers: { ...auth, "content-type": "multipart/form-data; boundary=XyZ" },
            payload:
              '--XyZ\r\ncontent-disposition: form-data; name="file"; filename="a.md"\r\ncontent-type: text/markdown\r\n\r\n# Title\nsome text',
          }),
      },
      {
        name: "an unknown plan (404)",
        status: 404,
        code: "NOT_FOUND",
        send: () =>
          upload(form({ filename: "notes.md", type: "text/markdown", content: markdown }), {
            plan: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
          }),
      },
      {
        name: "another tenant's plan (404)",
        status: 404,
        code: "NOT_FOUND",
        send: () =>
          upload(form({ filename: "notes.md", type: "text/markdown", content: markdown }), { headers: otherAuth }),
      },
      {
        name: "no token (401)",
        status: 401,
        code: "UNAUTHORIZED",
        send: () => upload(form({ filename: "notes.md", type: "text/markdown", content: markdown }), { headers: {} }),
      },
    ];

    for (const r of rejected) {
      it(`for ${r.name}`, async () => {
        const before = await h.counts();
        const res = await r.send();
        expect(res.statusCode).toBe(r.status);
        expect(problemOf(res)).toMatchObject({ status: r.status, code: r.code });
        const after = await h.counts();
        // A file stored before a later part was found wrong is deleted again (its delete marker remains).
        expect({ ...after, objectStoreMessages: 0 }).toEqual({ ...before, objectStoreMessages: 0 });
      });
    }

    it("names the failing field", async () => {
      const res = await upload(
        form({ filename: "notes.md", type: "text/markdown", content: markdown }, { priority: "asap" }),
      );
      expect(problemOf(res).errors?.map((e) => e.field)).toEqual(["priority"]);
    });

    it("for a file over UPLOAD_MAX_BYTES (413), leaving not even a partial object", async () => {
      const small = await h.app({ UPLOAD_MAX_BYTES: String(SMALL_LIMIT) });
      for (const size of [SMALL_LIMIT + 1, 512 * 1024]) {
        const before = await h.counts();
        const res = await upload(form({ filename: "big.md", type: "text/markdown", content: "x".repeat(size) }), {
          on: small,
        });
        expect(res.statusCode).toBe(413);
        expect(problemOf(res).code).toBe("PAYLOAD_TOO_LARGE");
        expect(await h.counts()).toEqual(before);
      }
      const fits = await upload(form({ filename: "ok.md", type: "text/markdown", content: "x".repeat(SMALL_LIMIT) }), {
        on: small,
      });
      expect(fits.statusCode).toBe(202);
    });

    it("over real HTTP, answers 413 to an 8 MiB upload and the connection stays usable", async () => {
      const small = await h.app({ UPLOAD_MAX_BYTES: String(SMALL_LIMIT) });
      const address = await small.listen({ port: 0, host: "127.0.0.1" });
      const before = await h.counts();
      for (let i = 0; i < 3; i++) {
        const body = form({ filename: "big.md", type: "text/markdown", content: "x".repeat(8 * 1024 * 1024) });
        const res = await fetch(`${address}/api/ai/study-plans/${planId}/materials/`, {
          method: "POST",
          headers: auth,
          body,
        });
        expect(res.status).toBe(413);
        expect(Problem.parse(await res.json()).code).toBe("PAYLOAD_TOO_LARGE");
      }
      expect(await h.counts()).toEqual(before);
    });

    it("for a binary file, leaving not even a partial object", async () => {
      const before = await h.counts();
      const binary = new Uint8Array(300 * 1024).fill(65);
      binary[200_000] = 0;
      binary[10] = 0;
      const res = await upload(form({ filename: "notes.txt", type: "text/plain", content: binary }));
      expect(res.statusCode).toBe(415);
      expect(await h.counts()).toEqual(before);
    });
  });
});
