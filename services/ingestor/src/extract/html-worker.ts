import { parentPort, workerData } from "node:worker_threads";
import { convert } from "html-to-text";
import { HTML_TO_TEXT_OPTIONS } from "./html-options.js";

// Thread entry of `htmlToText`: converts the HTML it was started with and posts the text back.
parentPort?.postMessage(convert(String(workerData), HTML_TO_TEXT_OPTIONS));
