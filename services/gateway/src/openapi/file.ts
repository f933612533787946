import { generateOpenApiDocument } from "./generate.js";

/** Where the committed copy of the document lives, from the repository's root. */
export const OPENAPI_FILE = "docs/openapi.json";

/** The committed file's text: the document, two-space indented, with a final newline. */
export async function openApiFileText(): Promise<string> {
  return `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`;
}
