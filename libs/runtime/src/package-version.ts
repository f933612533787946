import { readFileSync } from "node:fs";

/** The `version` of the package.json next to a module's package (`new URL("../package.json", import.meta.url)`). */
export function packageVersion(packageJson: URL): string {
  const pkg: unknown = JSON.parse(readFileSync(packageJson, "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string"
    ? pkg.version
    : "0.0.0";
}
