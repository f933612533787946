import { PermanentError } from "@ai-jobs/runtime";
import { longestEventLoopStall } from "@ai-jobs/testkit";
import { describe, expect, it } from "vitest";
import { htmlToText } from "./html.js";

const opts = () => ({ filename: "page.html", signal: new AbortController().signal });

describe("htmlToText", () => {
  it("keeps headings as # lines and drops scripts, images and link targets", async () => {
    const html = `<html><body><h2>Cells</h2><p>See <a href="https://x.test">this</a>.</p><script>x()</script><img src=a.png></body></html>`;
    const { text } = await htmlToText(html, opts());
    expect(text).toBe("## Cells\n\nSee this.");
  });

  it("converts a large page off the event loop", async () => {
    const html = `<html><body>${"<p>The quick brown fox jumps over the lazy dog near the river bank.</p>\n".repeat(150_000)}`;
    expect(html.length).toBeGreaterThan(10_000_000);
    let text = "";
    // On the event loop this took seconds in one stretch, past the heartbeats' interval.
    const stall = await longestEventLoopStall(async () => {
      ({ text } = await htmlToText(html, opts()));
    });
    expect(text.startsWith("The quick brown fox")).toBe(true);
    // The thread competes for the two cores with the other suites: a generous bound, still far below the seconds.
    expect(stall).toBeLessThan(600);
  });

  it("fails for good, without crashing the worker, on markup nested too deep to convert", async () => {
    await expect(htmlToText("<div>".repeat(20_000), opts())).rejects.toBeInstanceOf(PermanentError);
  });

  it("stops the conversion when the job is aborted", async () => {
    const controller = new AbortController();
    const converting = htmlToText(`<p>${"word ".repeat(2_000_000)}</p>`, {
      filename: "a.html",
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("cancelled")), 20);
    await expect(converting).rejects.toThrow("cancelled");
  });
});
