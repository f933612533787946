import type { JobStatus, WatchEvent } from "@ai-jobs/sdk";
import type { Sink } from "./output.js";

const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** What the watch shows of one job. */
export interface JobLine {
  jobId: string;
  status: JobStatus | "waiting";
  pct: number;
  step: string | undefined;
  message: string | undefined;
  error: { code: string; message: string } | undefined;
  result: Record<string, unknown> | undefined;
}

export const isTerminalStatus = (status: JobLine["status"]): boolean => status !== "waiting" && TERMINAL.has(status);

/** A job's line after one more of its events. */
export function applyEvent(line: JobLine, event: WatchEvent): JobLine {
  switch (event.type) {
    case "meta":
      // A retry starts the job over.
      return event.status === "queued" && isTerminalStatus(line.status)
        ? { ...line, status: "queued", pct: 0, step: undefined, message: undefined, error: undefined }
        : { ...line, status: event.status, ...(event.status === "succeeded" ? { pct: 100 } : {}) };
    case "progress":
      return { ...line, pct: event.pct ?? line.pct, step: event.step ?? line.step, message: event.message };
    case "result":
      return { ...line, result: event.result, pct: 100 };
    case "error":
      return { ...line, error: { code: event.code, message: event.message } };
  }
}

/** `[########------------]` for a percentage. */
export function bar(pct: number, width: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, pct)) / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** One job's line: id, bar, percentage, status, step and message, cut to the terminal's width. */
export function renderLine(line: JobLine, columns: number): string {
  const detail = line.error
    ? `${line.error.code}: ${line.error.message}`
    : [line.step, line.message].filter(Boolean).join(": ");
  const text = `${line.jobId}  ${bar(line.pct, 20)} ${String(Math.round(line.pct)).padStart(3)}%  ${line.status.padEnd(9)}  ${detail}`;
  return text.length > columns ? `${text.slice(0, Math.max(0, columns - 1))}…` : text;
}

/**
 * Live progress bars, one line per job. On a terminal they are redrawn in place (the cursor moves back up over
 * them); elsewhere (a pipe, a CI log) each change is one more line.
 */
export class ProgressView {
  private drawn = 0;

  constructor(private readonly sink: Sink) {}

  render(lines: readonly JobLine[], changed: JobLine): void {
    const columns = this.sink.columns ?? 120;
    if (!this.sink.isTTY) {
      this.sink.write(`${renderLine(changed, columns)}\n`);
      return;
    }
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    this.sink.write(up + lines.map((l) => `\r\x1b[2K${renderLine(l, columns)}\n`).join(""));
    this.drawn = lines.length;
  }
}
