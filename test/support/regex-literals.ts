import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** One regular expression written in the source: a `/…/flags` literal or `new RegExp("…", "flags")`. */
export interface RegexInSource {
  /** Path relative to the root, and 1-based line. */
  where: string;
  source: string;
  flags: string;
}

/** A `RegExp(…)` whose pattern is not a literal: it cannot be checked, so it is reported as a finding of its own. */
export interface UncheckableRegex {
  where: string;
  text: string;
}

/** Production TypeScript of the workspaces: `src/` of each lib and service, less tests (their input is our own). */
export function productionSources(root: string): string[] {
  const files: string[] = [];
  for (const group of ["libs", "services"]) {
    for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
      if (pkg.isDirectory()) files.push(...tsFilesUnder(join(root, group, pkg.name, "src")));
    }
  }
  return files.sort();
}

function tsFilesUnder(dir: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : tsFilesUnder(path);
    const isSource = entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !entry.name.endsWith(".test.ts");
    return isSource ? [path] : [];
  });
}

/** Every regex literal and `RegExp` construction in the files, found with the TypeScript parser (not a text search). */
export function regexesIn(
  root: string,
  files: string[],
): { regexes: RegexInSource[]; uncheckable: UncheckableRegex[] } {
  const regexes: RegexInSource[] = [];
  const uncheckable: UncheckableRegex[] = [];
  for (const file of files) {
    const sourceFile = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) =>
      `${relative(root, file)}:${sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const text = node.text;
        const slash = text.lastIndexOf("/");
        regexes.push({ where: where(node), source: text.slice(1, slash), flags: text.slice(slash + 1) });
      } else if (
        (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === "RegExp"
      ) {
        const [pattern, flags] = node.arguments ?? [];
        const literal = (arg: ts.Expression | undefined) =>
          arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) ? arg.text : undefined;
        const source = literal(pattern);
        const flagText = flags === undefined ? "" : literal(flags);
        if (source === undefined || flagText === undefined)
          uncheckable.push({ where: where(node), text: node.getText() });
        else regexes.push({ where: where(node), source, flags: flagText });
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return { regexes, uncheckable };
}
