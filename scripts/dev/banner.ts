// What `npm run dev` prints once the gateway is ready: its URL, the token and the README's first commands.
import { c, write } from "./console.js";

export function banner(base: string, authTokens: string, dataDir: string): string {
  const token = authTokens.split(",")[0]?.split(":")[0]?.trim() || "dev-token";
  const auth = `-H 'Authorization: Bearer ${token}'`;
  const body = '{"goal":"Learn linear algebra","start_date":"2026-12-01","end_date":"2026-12-07"}';
  return [
    "",
    c.bold(c.green("The stack is up.")),
    `  gateway    ${c.cyan(base)}`,
    `  dashboard  ${c.cyan(`${base}/dashboard/`)}  (log in with the token)`,
    `  token      ${c.cyan(token)}`,
    "",
    c.bold("  # 1. Generate a study plan (answers 202 with job_id):"),
    `  curl -sS -X POST ${base}/api/ai/study-plans/generate/ \\`,
    `    ${auth} -H 'Content-Type: application/json' \\`,
    `    -d '${body}'`,
    "",
    c.bold("  # 2. Follow the job live (Server-Sent Events):"),
    `  curl -N ${auth} '${base}/api/ai/jobs/stream/?job_id=<JOB_ID>'`,
    "",
    c.bold("  # 3. Read the job's status:"),
    `  curl -sS ${auth} ${base}/api/ai/jobs/<JOB_ID>/`,
    "",
    c.dim(`  Ctrl-C (or SIGTERM) stops everything. Data persists in ${dataDir}/.`),
    "",
  ].join("\n");
}

export function printBanner(base: string, authTokens: string, dataDir: string): void {
  write(`${banner(base, authTokens, dataDir)}\n`);
}
