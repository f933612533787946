// Writes the gateway's OpenAPI document to docs/openapi.json (`npm run openapi`), generated from the app's routes
// without any server. services/gateway/src/openapi/openapi-file.test.ts fails while the committed copy differs.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OPENAPI_FILE, openApiFileText } from "../services/gateway/src/openapi/file.js";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
writeFileSync(path.join(root, OPENAPI_FILE), await openApiFileText());
console.log(`wrote ${OPENAPI_FILE}`);
