import { createHash, type Hash } from "node:crypto";
import { pipeline, type Readable, Transform, type TransformCallback } from "node:stream";
import { type DocumentRecord, MaterialIngestPayload, runAtOf, type StudyPlan, UploadFields } from "@ai-jobs/contracts";
import type { StorageQuotas } from "@ai-jobs/runtime";
import { invalid, isAppError, notFound, payloadTooLarge, serviceUnavailable } from "@ai-jobs/runtime";
import { z } from "zod";
import type { DocumentRepository } from "../data/documents.js";
import type { MaterialStore } from "../data/materials.js";
import type { PlanRepository } from "../data/plans.js";
import { assertMayActOn } from "./access.js";
import type { Caller } from "./context.js";
import { requestHash } from "./idempotency.js";
import { assertUnderQuota } from "./quotas.js";
import { cleanFilename, sniffUpload } from "./sniffed-upload.js";
import { type SubmitJobDeps, type SubmittedJob, submitJob } from "./submit-job.js";

export interface UploadMaterialDeps extends Omit<SubmitJobDeps, "quotas"> {
  /** The tenant's byte quota of uploads: checked before the body is read, charged once the upload is accepted. */
  quotas: Pick<StorageQuotas, "check" | "charge">;
  plans: PlanRepository;
  documents: DocumentRepository;
  materials: MaterialStore;
  ids: () => string;
  maxBytes: number;
}

/** One part of a multipart upload, as the HTTP layer hands it over, in the order the client sent them. */
export type UploadPart =
  | { kind: "field"; name: string; value: string }
  | {
      kind: "file";
      filename: string;
      contentType: string;
      content: Readable;
      /** True once the file went past the size limit (the parser stops reading it there). */
      truncated(): boolean;
      /** Calls `listener` when the file goes past the size limit. */
      onTruncated(listener: () => void): void;
    };
type FilePart = Extract<UploadPart, { kind: "file" }>;

export interface UploadMaterialRequest {
  planId: string;
  /** Starts reading the request body: called only once the plan is known to exist. */
  parts: () => AsyncIterable<UploadPart>;
  /** The client's `Idempotency-Key`, if it sent one. */
  idempotencyKey?: string | undefined;
}

export interface UploadedMaterial {
  jobId: string;
  fileId: string;
  documentId: string;
  submitted: SubmittedJob;
}

interface StoredUpload {
  fileId: string;
  filename: string;
  contentType: string;
  size: number;
  /** sha256 (hex) of the file's bytes, part of the request hash of an `Idempotency-Key`. */
  sha256: string;
}

/** The operation an `Idempotency-Key` is bound to, with the plan id, the file's hash and name, and the fields. */
const OPERATION = "POST /api/ai/study-plans/{id}/materials";

/** The optional form field naming an existing document whose file the upload replaces. */
const DOCUMENT_ID_FIELD = "document_id";
const DocumentIdField = z.string().min(1).max(64).optional();

/**
 * What happens when a study material is uploaded:
 *
 * 1. The plan must exist for the caller's tenant; the body is not read otherwise.
 * 2. The one file part is streamed into the `MATERIALS` object store under a new file id, never buffered whole.
 *    Its kind is sniffed from its first bytes (PDF, DOCX, HTML, Markdown, text; the declared type is ignored):
 *    any other kind is a 415 before anything is stored, an empty file a 400; a file past `maxBytes` fails the
 *    stream (413), so the store drops what it wrote.
 * 3. The form fields (`priority`, `delay_ms`, `run_at`, and `document_id` to replace the file of an existing
 *    document of the plan) are validated; they may come before or after the file.
 * 4. The document record (`ingest_status: pending`; for a replacement, the existing record pointing at the new
 *    file) and the plan's `ingest_status: pending` are the job's draft, and a `material.ingest` job is submitted.
 *    With an `Idempotency-Key`, the key is claimed here, once the file's hash is known (the file is streamed,
 *    never buffered, so it is stored first). A replaced document keeps serving its old chunks until the ingestor
 *    has the new set ready.
 *
 * A request rejected at any step leaves nothing behind: the stored file is deleted again. So does a request that
 * repeats an earlier one under the same `Idempotency-Key`: it answers with the first request's job, file and
 * document.
 */
export async function uploadMaterial(
  deps: UploadMaterialDeps,
  caller: Caller,
  req: UploadMaterialRequest,
): Promise<UploadedMaterial> {
  const { tenantId } = caller.principal;
  const plan = await deps.plans.findById(tenantId, req.planId);
  if (!plan) throw notFound("study plan");
  assertMayActOn(caller.principal, plan.userId, "study plan");
  await assertUnderQuota(deps.quotas, tenantId, "materials");

  let stored: StoredUpload | undefined;
  try {
    const fields = new Map<string, string>();
    for await (const part of req.parts()) {
      if (part.kind === "field") {
        fields.set(part.name, part.value);
      } else if (stored) {
        part.content.resume();
        throw invalid("file", "send exactly one file");
      } else {
        stored = await storeFile(deps, plan, part);
      }
    }
    if (!stored) throw invalid("file", "a file is required");
    const replaces = DocumentIdField.parse(fields.get(DOCUMENT_ID_FIELD));
    fields.delete(DOCUMENT_ID_FIELD);
    const options = UploadFields.parse(Object.fromEntries(fields));
    const previous = replaces === undefined ? undefined : await deps.documents.findById(tenantId, plan._id, replaces);
    if (replaces !== undefined && !previous) throw notFound("document");
    const uploaded = await submitIngest(deps, caller, plan, stored, options, req.idempotencyKey, previous ?? undefined);
    if (uploaded.submitted.replayed) await removeFile(deps, caller, stored.fileId);
    else {
      await chargeQuota(deps, caller, stored.size, stored.fileId);
      if (previous) {
        await removeFile(deps, caller, previous.fileId);
        await chargeQuota(deps, caller, -previous.size, `${previous.fileId}:removed`);
      }
    }
    return uploaded;
  } catch (err) {
    if (stored) await removeFile(deps, caller, stored.fileId);
    throw err;
  }
}

/**
 * Counts an accepted upload's bytes against its tenant's quota (negative: a replaced file's bytes given back). The
 * upload is accepted already, so a failure is logged, not answered: the count is then short by this file.
 */
async function chargeQuota(deps: UploadMaterialDeps, caller: Caller, bytes: number, chargeId: string): Promise<void> {
  await deps.quotas.charge(caller.principal.tenantId, "materials", bytes, chargeId).catch((err: unknown) => {
    caller.log.error({ err, bytes }, "could not count an upload against the tenant's byte quota");
  });
}

async function removeFile(deps: UploadMaterialDeps, caller: Caller, fileId: string): Promise<void> {
  await deps.materials.remove(fileId).catch((err: unknown) => {
    caller.log.error({ err, fileId }, "could not delete the file of a rejected or repeated upload");
  });
}

async function storeFile(deps: UploadMaterialDeps, plan: StudyPlan, part: FilePart): Promise<StoredUpload> {
  const tooLarge = () => payloadTooLarge(`the file is larger than ${deps.maxBytes} bytes`);
  const fileId = deps.ids();
  const filename = cleanFilename(part.filename, fileId);
  const sniffed = await sniffUpload(part.content, filename).catch((err: unknown) => {
    if (isAppError(err)) throw err;
    throw invalid("file", "the upload ended before the file was complete");
  });
  if (part.truncated()) {
    part.content.resume();
    throw tooLarge();
  }
  const contentType = sniffed.contentType;
  const hash = createHash("sha256");
  const checked = pipeline(sniffed.content, hashing(hash), () => undefined);
  // Past the limit, fail the stream at once: the store drops the chunks and nothing of the file stays.
  part.onTruncated(() => checked.destroy(tooLarge()));
  let size: number;
  try {
    ({ size } = await deps.materials.put(fileId, checked, {
      tenantId: plan.tenantId,
      planId: plan._id,
      filename,
      contentType,
    }));
  } catch (err) {
    if (isAppError(err)) throw err;
    if (part.content.errored) throw invalid("file", "the upload ended before the file was complete");
    throw serviceUnavailable("the file store is unavailable; try again later", 2, err);
  }
  if (part.truncated()) {
    await deps.materials.remove(fileId);
    throw tooLarge();
  }
  return { fileId, filename, contentType, size, sha256: hash.digest("hex") };
}

/** Passes the bytes through unchanged while feeding them to `hash`. */
function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

async function submitIngest(
  deps: UploadMaterialDeps,
  caller: Caller,
  plan: StudyPlan,
  file: StoredUpload,
  options: UploadFields,
  idempotencyKey: string | undefined,
  previous: DocumentRecord | undefined,
): Promise<UploadedMaterial> {
  const now = new Date();
  const jobId = deps.ids();
  const document: DocumentRecord = {
    ...previous,
    _id: previous?._id ?? deps.ids(),
    tenantId: plan.tenantId,
    planId: plan._id,
    fileId: file.fileId,
    filename: file.filename,
    contentType: file.contentType,
    size: file.size,
    ingestStatus: "pending",
    lastError: null,
    jobId,
    chunkCount: previous?.chunkCount ?? 0,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
  const submitted = await submitJob(deps, caller, {
    jobId,
    type: "material.ingest",
    priority: options.priority,
    runAt: runAtOf(options, now.getTime()),
    webhookUrl: options.webhook_url,
    idempotency:
      idempotencyKey === undefined
        ? undefined
        : {
            key: idempotencyKey,
            requestHash: requestHash(OPERATION, {
              planId: plan._id,
              file: { sha256: file.sha256, filename: file.filename },
              fields: options,
              replaces: previous?._id ?? null,
            }),
          },
    payload: {
      planId: plan._id,
      documentId: document._id,
      fileId: file.fileId,
      filename: file.filename,
      contentType: file.contentType,
    },
    draft: {
      async write() {
        if (previous) await deps.documents.replace(document);
        else await deps.documents.insert(document);
        await deps.plans.setIngestStatus(plan.tenantId, plan._id, "pending");
      },
      async undo() {
        if (previous) await deps.documents.replace(previous);
        else await deps.documents.remove(plan.tenantId, document._id);
        await deps.plans.setIngestStatus(plan.tenantId, plan._id, plan.ingestStatus, "pending");
      },
    },
  });
  if (!submitted.replayed) return { jobId, fileId: file.fileId, documentId: document._id, submitted };
  // The first request's job: its payload names the file and document that request stored.
  const original = MaterialIngestPayload.parse(submitted.job.payload);
  return { jobId: submitted.job._id, fileId: original.fileId, documentId: original.documentId, submitted };
}
