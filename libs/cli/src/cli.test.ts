import { describe, expect, it } from "vitest";
import { commandWords, UsageError } from "./args.js";
import { resolveSettings } from "./config.js";
import { applyEvent, bar, type JobLine, ProgressView, renderLine } from "./progress.js";

const waiting: JobLine = {
  jobId: "J",
  status: "waiting",
  pct: 0,
  step: undefined,
  message: undefined,
  error: undefined,
  result: undefined,
};

describe("command words", () => {
  it("takes the command's words wherever the global flags stand", () => {
    const count = (first: string | undefined) => (first === "submit" ? 2 : 1);
    expect(commandWords(["--json", "--url", "http://h", "submit", "plan", "--goal", "g"], count)).toEqual({
      words: ["submit", "plan"],
      rest: ["--json", "--url", "http://h", "--goal", "g"],
    });
    expect(commandWords(["watch", "A", "B"], count)).toEqual({ words: ["watch"], rest: ["A", "B"] });
  });
});

describe("settings", () => {
  const sources = (files: Record<string, string>, env: Record<string, string> = {}, flags = {}) => ({
    flags,
    env,
    home: "/home/u",
    readText: async (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return text;
    },
  });

  it("takes flags over the environment over the config file", async () => {
    const file = { "/home/u/.config/ai-jobs/config.json": '{"url":"http://file","token":"file-token"}' };
    expect(await resolveSettings(sources(file))).toEqual({ url: "http://file", token: "file-token" });
    expect(await resolveSettings(sources(file, { AI_JOBS_URL: "http://env" }))).toEqual({
      url: "http://env",
      token: "file-token",
    });
    expect(await resolveSettings(sources(file, { AI_JOBS_URL: "http://env" }, { url: "http://flag" }))).toMatchObject({
      url: "http://flag",
    });
  });

  it("refuses a missing --config file, a bad one, and no URL at all", async () => {
    await expect(resolveSettings(sources({}, {}, { config: "/x.json" }))).rejects.toThrow(UsageError);
    const bad = { "/home/u/.config/ai-jobs/config.json": '{"url": 5}' };
    await expect(resolveSettings(sources(bad))).rejects.toThrow(/url .* must be a string/);
    await expect(resolveSettings(sources({}, { AI_JOBS_TOKEN: "t" }))).rejects.toThrow(/AI_JOBS_URL/);
  });
});

describe("progress", () => {
  it("follows a job's events: progress, failure, and a retry that starts it over", () => {
    let line = applyEvent(waiting, { type: "meta", id: "1", job_id: "J", status: "running" });
    line = applyEvent(line, { type: "progress", id: "2", job_id: "J", pct: 40, step: "drafting", message: "day 3/7" });
    expect(renderLine(line, 200)).toBe("J  [########------------]  40%  running    drafting: day 3/7");
    line = applyEvent(line, { type: "error", id: "3", job_id: "J", code: "TIMEOUT", message: "too slow" });
    line = applyEvent(line, { type: "meta", id: "3", job_id: "J", status: "failed" });
    expect(renderLine(line, 200)).toContain("failed     TIMEOUT: too slow");
    line = applyEvent(line, { type: "meta", id: "4", job_id: "J", status: "queued" });
    expect(line).toMatchObject({ status: "queued", pct: 0, error: undefined });
  });

  it("draws bars, and cuts lines to the terminal's width", () => {
    expect(bar(0, 4)).toBe("[----]");
    expect(bar(55, 4)).toBe("[##--]");
    expect(bar(250, 4)).toBe("[####]");
    expect(renderLine({ ...waiting, message: "x".repeat(100) }, 40)).toHaveLength(40);
  });

  it("redraws in place on a terminal, and writes a line per change elsewhere", () => {
    const written: string[] = [];
    const tty = new ProgressView({ write: (t: string) => written.push(t), isTTY: true, columns: 80 });
    tty.render([waiting, { ...waiting, jobId: "K" }], waiting);
    tty.render([waiting, { ...waiting, jobId: "K", pct: 50 }], waiting);
    expect(written[1]?.startsWith("\x1b[2A")).toBe(true);
    const lines: string[] = [];
    const pipe = new ProgressView({ write: (t: string) => lines.push(t) });
    pipe.render([waiting], waiting);
    expect(lines).toEqual([`${renderLine(waiting, 120)}\n`]);
  });
});
