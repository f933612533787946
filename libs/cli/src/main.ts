#!/usr/bin/env node
import { openAsBlob } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { run } from "./run.js";

// Ctrl-C (or SIGTERM) stops a watch or a tail cleanly; a second one ends the process at once.
const abort = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    abort.abort(new Error(`stopped by ${signal}`));
    process.once(signal, () => process.exit(130));
  });
}

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: abort.signal,
  home: homedir(),
  readText: (path) => readFile(path, "utf8"),
  openFile: (path) => openAsBlob(path),
});
