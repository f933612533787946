import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL(".", import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(SRC, "..", "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*"([^"]+)"/g;

describe("the SDK's imports", () => {
  it("are its own modules, the contracts and zod: nothing of Node, nothing of the servers", () => {
    const foreign = sources(SRC).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(SPECIFIER)]
        .map((m) => m[1] ?? "")
        .filter((spec) => !spec.startsWith("./") && !spec.startsWith("../"))
        .filter((spec) => spec !== "@ai-jobs/contracts" && spec !== "zod")
        .map((spec) => `${relative(SRC, file)}: ${spec}`),
    );
    expect(foreign).toEqual([]);
    expect(Object.keys(PACKAGE.dependencies ?? {}).sort()).toEqual(["@ai-jobs/contracts", "zod"]);
  });
});
