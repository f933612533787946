import { accessSync, constants } from "node:fs";
import path from "node:path";
import { repoRoot } from "./repo.js";

/** Resolves a bootstrap-installed binary (`.tools/bin/<name>`), or the path in `envVar`; throws a how-to-fix error. */
export function toolBinary(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  const bin = fromEnv && fromEnv.length > 0 ? fromEnv : path.join(repoRoot(), ".tools", "bin", name);
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(
      `testkit: ${name} not found at ${bin}. Run \`npm run bootstrap\` (bash scripts/bootstrap.sh) to install it` +
        (fromEnv ? `, or fix ${envVar}.` : `, or point ${envVar} at a binary.`),
    );
  }
  return bin;
}
