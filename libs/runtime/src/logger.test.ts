import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { REDACTED_PATHS } from "./logger.js";

describe("REDACTED_PATHS", () => {
  it("hides a NATS NKEY seed logged at the top level or inside the config", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, sink);
    const seed = "SUAGKH7D2FPO5DD72BZ6U5FO3JOY7BVOHC3BNMNESLUWD6KOH6BWCBQLVI";
    log.info({ NATS_NKEY_SEED: seed, config: { NATS_NKEY_SEED: seed }, opts: { nkeySeed: seed } }, "boot");
    expect(lines.join("")).not.toContain(seed);
    expect(lines.join("")).toContain("[redacted]");
  });
});
