#!/usr/bin/env node
// The built CLI: `npm run build` first. In the repository, `node --conditions=source --import tsx
// libs/cli/src/main.ts …` runs it from its sources.
import("../dist/main.js").catch((err) => {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("/dist/")) {
    process.stderr.write(`ai-jobs is not built (${err.message}); run \`npm run build\` first\n`);
    process.exit(1);
  }
  throw err;
});
