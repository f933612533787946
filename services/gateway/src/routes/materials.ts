import { UploadResponse } from "@ai-jobs/contracts";
import { invalid, isAppError, unsupportedMediaType } from "@ai-jobs/runtime";
import multipart from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from "../domain/idempotency.js";
import { type UploadMaterialDeps, type UploadPart, uploadMaterial } from "../domain/upload-material.js";
import { callerOf } from "../plugins/auth.js";
import { NUL_MESSAGE } from "../plugins/no-nul.js";
import { toUploadResponse } from "../views.js";

export interface MaterialRoutesOptions {
  upload: UploadMaterialDeps;
}

/** The multipart body as the use case reads it: fields and the file stream, in the order they arrive. */
async function* partsOf(request: FastifyRequest): AsyncIterable<UploadPart> {
  try {
    yield* adapt(request);
  } catch (err) {
    // Limits and content-type errors carry their own 4xx status; busboy's parse errors are plain Errors.
    if (isAppError(err) || hasClientStatus(err)) throw err;
    throw invalid("body", `malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const hasClientStatus = (err: unknown): boolean => {
  const status = err instanceof Error ? (err as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" && status >= 400 && status < 500;
};

async function* adapt(request: FastifyRequest): AsyncIterable<UploadPart> {
  for await (const part of request.parts()) {
    if (part.type === "field") {
      // FerretDB fails any query holding a NUL (plugins/no-nul.ts checks the other routes' input).
      if (typeof part.value === "string" && part.value.includes("\u0000")) throw invalid(part.fieldname, NUL_MESSAGE);
      yield {
        kind: "field",
        name: part.fieldname,
        value: typeof part.value === "string" ? part.value : JSON.stringify(part.value),
      };
    } else {
      const file = part.file;
      yield {
        kind: "file",
        filename: part.filename,
        contentType: part.mimetype,
        content: file,
        truncated: () => file.truncated,
        onTruncated: (listener) => {
          file.once("limit", listener);
        },
      };
    }
  }
}

/**
 * `POST /study-plans/{id}/materials/`: a multipart upload streamed into the object store. The body has no schema:
 * it is read as a stream, part by part, and its fields are checked by the use case (`UploadFields`).
 */
export const materialRoutes: FastifyPluginAsyncZod<MaterialRoutesOptions> = async (app, opts) => {
  // In this scope only multipart bodies are parsed: anything else is a 415 before its body is read.
  app.removeAllContentTypeParsers();
  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: opts.upload.maxBytes, files: 2, fields: 10, fieldSize: 1024, parts: 12 },
  });

  const schema = { params: z.object({ id: z.string() }), response: { 202: UploadResponse } };
  app.post("/study-plans/:id/materials", { schema }, async (request, reply) => {
    if (!request.isMultipart()) throw unsupportedMediaType("send the file as multipart/form-data");
    const idempotencyKey = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
    const uploaded = await uploadMaterial(opts.upload, callerOf(request), {
      planId: request.params.id,
      parts: () => partsOf(request),
      idempotencyKey,
    });
    if (uploaded.submitted.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, "true");
    return reply.code(202).send(toUploadResponse(uploaded.jobId, uploaded.fileId, uploaded.documentId));
  });
};
