import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { productionSources, regexesIn } from "./support/regex-literals.js";

// recheck's pure-JS analyser: the same verdicts on every machine, no native binary or Java needed.
process.env.RECHECK_BACKEND = "pure";
const { check } = await import("recheck");

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { regexes, uncheckable } = regexesIn(ROOT, productionSources(ROOT));

/** Generous: a safe pattern is proven in well under two seconds here; a timeout is a failure, never a pass. */
const CHECK_TIMEOUT_MS = 20_000;

async function verdict(source: string, flags: string, timeout = CHECK_TIMEOUT_MS) {
  const result = await check(source, flags, { timeout });
  if (result.status === "vulnerable") return `vulnerable: ${result.complexity.summary}, e.g. ${result.attack.pattern}`;
  if (result.status === "unknown") return `unknown: ${result.error.kind}`;
  return "safe";
}

/**
 * Every regular expression in the services and libraries runs in linear time: recheck finds no input on which it
 * backtracks super-linearly (ReDoS). Untrusted text (uploads, documents, headers) meets these patterns on the event
 * loop, where one slow match stalls every request or the worker's heartbeats.
 */
describe("regular expressions in libs/ and services/", () => {
  it("are found in the sources, and every RegExp is built from a literal", () => {
    expect(uncheckable).toEqual([]);
    expect(regexes.length).toBeGreaterThan(40);
    expect(regexes.some((r) => r.where.startsWith("services/ingestor/src/chunking/chunk-text.ts"))).toBe(true);
  });

  it.each(regexes.map((r) => [`${r.where} /${r.source}/${r.flags}`, r] as const))(
    "%s runs in linear time",
    async (_, { source, flags }) => {
      expect(await verdict(source, flags)).toBe("safe");
    },
    CHECK_TIMEOUT_MS + 10_000,
  );

  // The patterns of issue 13's audit, as they were: the check above must reject each of them.
  it.each([
    [
      "HTML sniffing (exponential)",
      String.raw`^(?:\s|<!--[\s\S]*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head|body)\b`,
      "i",
    ],
    ["PDF line-end cleanup (quadratic)", String.raw`[ \t]+\n`, "g"],
    ["sentence end (quadratic)", String.raw`[.!?…]+["'”’)\]]*\s+`, "gu"],
    ["ATX heading (cubic)", String.raw`^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*$`, ""],
  ])(
    "rejects the former %s pattern",
    async (_, source, flags) => {
      expect(await verdict(source, flags, 5_000)).not.toBe("safe");
    },
    30_000,
  );
});
