/**
 * Building blocks of the HTTP fuzz tests (issue 13, "no input can stall a process"): the routes an app registered,
 * and fast-check arbitraries of hostile input (ids, query values, JSON bodies, credentials, multipart uploads).
 */
import { ERROR_CODES, Problem } from "@ai-jobs/contracts";
import fc from "fast-check";

/** The seed every fuzz suite runs with, so that CI and a developer see the same cases; FUZZ_SEED overrides it. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_301);

export interface RegisteredRoute {
  method: string;
  url: string;
}

/**
 * Every method and path an app serves, read from `printRoutes({ commonPrefix: false })` (Fastify has no list API
 * once the routes are registered). HEAD routes Fastify adds for GETs are left out.
 */
export function routesOf(app: { printRoutes(opts: { commonPrefix: false }): string }): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const pathAt: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const branch = line.search(/[├└]── /);
    if (branch < 0) continue;
    const depth = branch / 4;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(branch + 4));
    const segment = match?.[1] ?? "";
    const path = (depth > 0 ? (pathAt[depth - 1] ?? "") : "") + segment;
    pathAt[depth] = path;
    pathAt.length = depth + 1;
    for (const method of (match?.[2] ?? "").split(", ").filter(Boolean)) {
      if (method !== "HEAD") routes.push({ method, url: path });
    }
  }
  return routes;
}

/** A route's key in a per-route table: `POST /api/ai/study-plans/:id/export`. */
export const routeKey = (r: RegisteredRoute) => `${r.method} ${r.url}`;

const STABLE_CODES = new Set<string>(Object.values(ERROR_CODES));

/** Why a 4xx answer is not a stable problem+json, or null when it is one. */
export function problemDefect(contentType: string | undefined | null, body: string): string | null {
  if (!contentType?.startsWith("application/problem+json")) return `content type ${String(contentType)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "a body that is not JSON";
  }
  const p = Problem.safeParse(parsed);
  if (!p.success) return `a body that is no problem: ${p.error.message}`;
  if (!STABLE_CODES.has(p.data.code)) return `the unknown code ${p.data.code}`;
  if (p.data.type !== `urn:ai-jobs:problem:${p.data.code.toLowerCase().replaceAll("_", "-")}`) {
    return `the type ${p.data.type} for ${p.data.code}`;
  }
  return null;
}

/** Strings that have broken parsers, stores and loggers before. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "../../etc/passwd",
    "..%2F..%2F",
    "%00",
    "%",
    "__proto__",
    "constructor",
    "prototype",
    "$where",
    "$gt",
    '{"$ne":null}',
    "<script>alert(1)</script>",
    "\u202e\ufeff\ud83d\ude00",
    "\ud800",
    "\r\nX-Injected: 1",
    "NaN",
    "-0",
    "1e308",
    "null",
    "true",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => s.repeat(3_000).slice(0, 60_000)),
  fc.nat({ max: 300_000 }).map((n) => "x".repeat(n)),
);

/** Path parameter values: short and long, traversal, NUL, encoded and raw, numbers and non-ids. */
export const nastyId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("0", "-1", "1e308", "NaN", "9".repeat(40), "..", "...", "%2e%2e", "a b", "null", "undefined"),
  fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
  nastyString.filter((s) => s.length > 0 && s.length <= 10_000),
);

/** encodeURIComponent that takes lone surrogates too (they become U+FFFD) instead of throwing. */
export const encodeLoosely = (value: string): string => encodeURIComponent(value.replace(/\p{Cs}/gu, "\ufffd"));

/** A URL path segment for `value`: percent-encoded, or (for plain ASCII) raw, or double-encoded. */
export const pathSegment = (value: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    encodeLoosely(value),
    /^[\x21-\x7e]*$/.test(value) && !/[/?#]/.test(value) ? value : encodeLoosely(value),
    encodeURIComponent(encodeLoosely(value)),
  );

/** JSON values with hostile leaves and keys, nested a little. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    nastyString,
    fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1, -1, 2 ** 31, true, false, null),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(
      fc.oneof(
        nastyString.filter((k) => k.length < 100),
        fc.string(),
      ),
      tie("value"),
      { maxKeys: 5 },
    ),
  ),
})).value;

/** Request bodies as raw text: what JSON.stringify cannot make (deep nesting, `__proto__` keys, 1e999, broken JSON). */
export const nastyJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.nat({ max: 100_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
  fc.nat({ max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
  fc.constantFrom(
    '{"__proto__":{"admin":true,"role":"admin"}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"a":1e999}',
    '{"a":-1e999}',
    '{"a":1,"a":2}',
    "{",
    "[1,]",
    "nul",
    "'single'",
    "\ufeff{}",
    "\u0000",
    "{}garbage",
    '"string"',
    "123",
    "null",
  ),
  fc.string({ unit: "binary", maxLength: 200 }),
);

/** `Authorization` values that authenticate no one. */
export const nastyAuthorization: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "Bearer",
    "Bearer ",
    "bearer t1 t1",
    "Basic dDE6dDE=",
    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwidGVuYW50X2lkIjoiYWNtZSIsInJvbGUiOiJhZG1pbiJ9.",
    "Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
    "Bearer aij_01J0000000000000000000000_secret",
    "Bearer aij___",
  ),
  nastyString.filter((s) => /^[ -~]*$/.test(s)).map((s) => `Bearer ${s}`),
);

/** Header values an HTTP client can send (visible ASCII and spaces): inject refuses anything else. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.constantFrom("", "0", "-1", "1e308", "999999999999999999999", "a".repeat(8_000)),
);

/** A multipart body assembled byte by byte, so that it can also be malformed. */
export interface MultipartBody {
  contentType: string;
  payload: Buffer;
}

const FILE_HEADS = [
  "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
  "<!DOCTYPE html><html><body><script>alert(1)</script>",
  "# Title\n\n- [x](javascript:alert(1))\n",
  "PK\u0003\u0004",
  "\u0000\u0000\u0000",
  "plain text notes",
];

const part = fc.oneof(
  fc.record({
    kind: fc.constant("file" as const),
    field: fc.oneof(
      fc.constantFrom("file", "file", "files", "upload", ""),
      nastyString.filter((s) => s.length < 50),
    ),
    filename: fc.oneof(
      fc.constantFrom(
        "notes.md",
        "a.pdf",
        "../../etc/passwd",
        "con",
        "a\u0000.pdf",
        "x".repeat(5_000),
        "",
        "\u202etxt.exe",
      ),
      nastyString.filter((s) => s.length < 300),
    ),
    type: fc.constantFrom("application/pdf", "text/markdown", "text/html", "application/octet-stream", "", "x/y"),
    head: fc.constantFrom(...FILE_HEADS),
    bytes: fc.uint8Array({ maxLength: 2_000 }),
    empty: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("field" as const),
    field: fc.oneof(
      fc.constantFrom("priority", "delay_ms", "run_at", "document_id", "title"),
      nastyString.filter((s) => s.length < 50),
    ),
    value: nastyString.filter((s) => s.length < 2_000),
  }),
);

/** Multipart uploads: zero, one or several parts, odd names and heads, and sometimes a broken frame. */
export const nastyMultipart: fc.Arbitrary<MultipartBody> = fc
  .record({
    parts: fc.array(part, { maxLength: 4 }),
    boundary: fc.constantFrom("fuzzboundary", "x", "-".repeat(70), "a b"),
    declared: fc.constantFrom("same", "other", "none"),
    ending: fc.constantFrom("closed", "closed", "truncated", "missing"),
  })
  .map(({ parts, boundary, declared, ending }) => {
    const chunks: Buffer[] = [];
    for (const p of parts) {
      chunks.push(Buffer.from(`--${boundary}\r\n`));
      if (p.kind === "file") {
        const name = p.filename.replaceAll('"', "%22").replaceAll("\r", "").replaceAll("\n", "");
        chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.field}"; filename="${name}"\r\n`));
        if (p.type) chunks.push(Buffer.from(`Content-Type: ${p.type}\r\n`));
        chunks.push(Buffer.from("\r\n"));
        if (!p.empty) chunks.push(Buffer.from(p.head, "latin1"), Buffer.from(p.bytes));
      } else {
        chunks.push(Buffer.from(`Content-Disposition: form-data; name="${p.field}"\r\n\r\n`), Buffer.from(p.value));
      }
      chunks.push(Buffer.from("\r\n"));
    }
    if (ending === "closed") chunks.push(Buffer.from(`--${boundary}--\r\n`));
    if (ending === "truncated") chunks.push(Buffer.from(`--${boundary}`));
    const header =
      declared === "none" ? "" : `; boundary=${declared === "same" ? boundary : `${boundary}-not-this-one`}`;
    return { contentType: `multipart/form-data${header}`, payload: Buffer.concat(chunks) };
  });
