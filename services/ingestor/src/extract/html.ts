import { Worker } from "node:worker_threads";
import { type ExtractedText, unreadable } from "./extracted.js";

// Compiled, the thread runs html-worker.js; from source (tests, `npm run dev`) the .ts file through tsx, as
// testkit's spawnService runs a .ts entry.
const SOURCE = import.meta.url.endsWith(".ts");
const WORKER_ENTRY = new URL(SOURCE ? "./html-worker.ts" : "./html-worker.js", import.meta.url);
const WORKER_EXEC_ARGV = SOURCE ? ["--conditions=source", "--import", "tsx"] : [];

export interface HtmlOptions {
  filename: string;
  /** The job's signal: aborting stops the thread. */
  signal: AbortSignal;
}

/**
 * HTML (a web page, or a DOCX converted by mammoth) to text with `html-to-text`, in a worker thread. The conversion
 * is synchronous and takes about a second per 4 MB, so on the event loop a large page would stop the worker's
 * `working()` heartbeats past ack_wait; deeply nested markup overflows its stack, which here fails the thread (and
 * the document, for good) instead of the job loop.
 */
export function htmlToText(html: string, opts: HtmlOptions): Promise<ExtractedText> {
  opts.signal.throwIfAborted();
  return new Promise<ExtractedText>((resolve, reject) => {
    const worker = new Worker(WORKER_ENTRY, { workerData: html, execArgv: WORKER_EXEC_ARGV });
    const onAbort = () => {
      reject(opts.signal.reason);
      void worker.terminate();
    };
    opts.signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => opts.signal.removeEventListener("abort", onAbort);
    worker.once("message", (text: unknown) => {
      settle();
      resolve({ text: String(text), pageStarts: null, pageCount: null });
      void worker.terminate();
    });
    worker.once("error", (err) => {
      settle();
      reject(unreadable(`${opts.filename}: its HTML cannot be converted to text: ${err.message}`, err));
    });
    worker.once("exit", (code) => {
      settle();
      reject(unreadable(`${opts.filename}: the HTML conversion stopped (exit code ${code})`));
    });
  });
}
