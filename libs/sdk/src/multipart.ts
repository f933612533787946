import type { UploadFields } from "@ai-jobs/contracts";

/** A file's content: a `File` or `Blob` (browsers, Node's `fs.openAsBlob`), or bytes (`Uint8Array`, `ArrayBuffer`). */
export type FileContent = Blob | ArrayBuffer | Uint8Array;

export interface MaterialInput extends Partial<UploadFields> {
  file: FileContent;
  /** The file's name; a `File`'s own name when omitted (any other content needs one). */
  filename?: string;
  /** Ignored by the API, which sniffs the kind from the bytes; sent as the part's type. */
  contentType?: string;
  /** A document of the plan whose file this upload replaces (it is re-ingested under the same id). */
  document_id?: string;
}

/** The multipart body of `POST /study-plans/{id}/materials/`: the form fields, then the one file part. */
export function materialForm(input: MaterialInput): FormData {
  const { file, filename, contentType, ...fields } = input;
  const name = filename ?? (typeof File !== "undefined" && file instanceof File ? file.name : undefined);
  if (name === undefined || name === "") throw new TypeError("submitMaterial needs a filename for this content");
  const form = new FormData();
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(field, String(value));
  }
  const blob =
    file instanceof Blob
      ? file
      : new Blob([file instanceof Uint8Array ? copyOf(file) : file], {
          type: contentType ?? "application/octet-stream",
        });
  form.append("file", blob, name);
  return form;
}

/** The bytes in an ArrayBuffer of their own (a view may sit on a shared or larger buffer). */
function copyOf(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}
