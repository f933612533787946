/** A plan export (`GET /api/ai/exports/{export_id}/`). */
export interface ExportFile {
  /** The file's name from `Content-Disposition` (its exact UTF-8 form when given). */
  filename: string | undefined;
  contentType: string;
  data: Blob;
}

/** The file name of an RFC 6266 `Content-Disposition`: `filename*=UTF-8''…` first, else `filename="…"`. */
export function filenameOf(disposition: string | null): string | undefined {
  if (disposition === null) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // A malformed encoding: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(disposition) ?? /filename\s*=\s*([^;\s]+)/i.exec(disposition);
  return plain?.[1];
}
