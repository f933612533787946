// Writes the nats-server authorization block generated from libs/runtime/src/nats-auth/permissions.ts to the files
// the deployments use (`npm run nats:config`). test/nats-config.test.ts fails while a checked-in copy differs.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AUTHORIZATION_FILES, natsAuthorizationConfig } from "@ai-jobs/runtime";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
for (const file of AUTHORIZATION_FILES) {
  writeFileSync(path.join(root, file), natsAuthorizationConfig());
  console.log(`wrote ${file}`);
}
