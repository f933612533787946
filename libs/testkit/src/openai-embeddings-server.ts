import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { playChatReply, recordChatRequest } from "./openai-server.js";

/** A scripted failure: the next `times` requests to `path` answer `status` (with `Retry-After` when given). */
export interface ScriptedFailure {
  path: "/v1/embeddings" | "/v1/chat/completions";
  status: number;
  times: number;
  retryAfter?: string;
}

export interface EmbeddingsRecordedRequest {
  path: string;
  /** Embeddings: the inputs of the request; chat: the user message. */
  inputs: string[];
  status: number;
  model: string | undefined;
  dimensions: number | undefined;
}

export interface EmbeddingsTestServer {
  /** Base URL for the `openai` SDK (`…/v1`). */
  url: string;
  requests: EmbeddingsRecordedRequest[];
  fail(failure: ScriptedFailure): void;
  close(): Promise<void>;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** A deterministic bag-of-words vector (FNV-1a buckets, L2-normalised): similar texts get similar vectors. */
function vectorOf(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(WORD) ?? []) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    const bucket = (h >>> 0) % dimensions;
    v[bucket] = (v[bucket] ?? 0) + 1;
  }
  const norm = Math.hypot(...v);
  return norm === 0 ? v.map((_, i) => (i === 0 ? 1 : 0)) : v.map((x) => x / norm);
}

/**
 * A small OpenAI-compatible server for tests: `POST /v1/embeddings` (string or array input, `dimensions`) and
 * `POST /v1/chat/completions` (answers a summary, "Summary: " and the last words of the user message: as plain text,
 * or as `{"summary": …}` when a JSON response format is asked for; streamed with usage when the request streams).
 * Every request is recorded; `fail()` scripts error answers (429 with `Retry-After`, 500, 400, …).
 */
export async function startEmbeddingsTestServer(
  opts: { defaultDimensions?: number } = {},
): Promise<EmbeddingsTestServer> {
  const requests: EmbeddingsRecordedRequest[] = [];
  const failures: ScriptedFailure[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { error: { message: String(err) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const body = JSON.parse((await readBody(req)) || "{}") as Record<string, unknown>;
    const model = typeof body.model === "string" ? body.model : undefined;
    const dimensions = typeof body.dimensions === "number" ? body.dimensions : undefined;
    const inputs =
      path === "/v1/embeddings" ? toStrings(body.input) : [lastUserMessage(body.messages)].filter((s) => s !== "");
    const failure = failures.find((f) => f.path === path && f.times > 0);
    if (failure) {
      failure.times--;
      requests.push({ path, inputs, status: failure.status, model, dimensions });
      const headers = failure.retryAfter ? { "retry-after": failure.retryAfter } : undefined;
      send(res, failure.status, { error: { message: `scripted ${failure.status}`, type: "test" } }, headers);
      return;
    }
    requests.push({ path, inputs, status: 200, model, dimensions });
    if (path === "/v1/embeddings") {
      const dim = dimensions ?? opts.defaultDimensions ?? 64;
      send(res, 200, {
        object: "list",
        model,
        data: inputs.map((text, index) => ({ object: "embedding", index, embedding: vectorOf(text, dim) })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      });
    } else if (path === "/v1/chat/completions") {
      const words = (inputs[0] ?? "").split(/\s+/).filter(Boolean).slice(-40).join(" ");
      const summary = `Summary: ${words}`;
      // Asked for JSON (libs/llm's structured calls): the summary answer's shape; streamed when asked to be.
      const content = isJsonFormat(body.response_format) ? JSON.stringify({ summary }) : summary;
      await playChatReply({ kind: "answer", content }, recordChatRequest(body, req, res), res);
    } else {
      send(res, 404, { error: { message: `no route ${path}` } });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    fail: (failure) => failures.push({ ...failure }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const isJsonFormat = (format: unknown): boolean => {
  const type = (format as { type?: unknown } | null | undefined)?.type;
  return type === "json_schema" || type === "json_object";
};

const toStrings = (input: unknown): string[] =>
  typeof input === "string" ? [input] : Array.isArray(input) ? input.map((x) => String(x)) : [];

function lastUserMessage(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  const users = messages.filter((m): m is { role: string; content: unknown } => m?.role === "user");
  const content = users.at(-1)?.content;
  return typeof content === "string" ? content : "";
}
