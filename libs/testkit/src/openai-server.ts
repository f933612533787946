import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** What the server does with one `/v1/chat/completions` request. */
export type ScriptedReply =
  | {
      kind: "answer";
      /** The assistant message's content (any text: valid JSON, malformed, schema-violating). */
      content: string;
      /** Wait before the first byte of the answer. */
      delayMs?: number;
      /** A streamed answer is sent in this many chunks (default 8), `chunkDelayMs` apart. */
      chunks?: number;
      chunkDelayMs?: number;
      finishReason?: string;
      usage?: { prompt_tokens: number; completion_tokens: number };
    }
  | { kind: "error"; status: number; message?: string; headers?: Record<string, string>; delayMs?: number }
  /** Streams the first `afterChunks` chunks of `content` (`chunkDelayMs` apart), then destroys the connection. */
  | { kind: "cut"; content: string; afterChunks: number; chunks?: number; chunkDelayMs?: number }
  /** Never answers: for timeouts and cancellation (the request ends when the client gives up). */
  | { kind: "hang" };

export interface RecordedRequest {
  /** The parsed JSON body: model, messages, response_format, stream, … */
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
  /** True once the answer was sent completely. */
  completed: boolean;
  /** `performance.now()` when the request arrived, and when its connection closed (undefined while open). */
  receivedAt: number;
  endedAt: number | undefined;
}

export type Responder = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface OpenAiTestServer {
  /** Base URL for the SDK (`OPENAI_BASE_URL`), ending in `/v1`. */
  baseUrl: string;
  /** Every chat completion request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Replies used first, one per request, before the responder. */
  script(...replies: ScriptedReply[]): void;
  setResponder(respond: Responder): void;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible HTTP server for tests and benchmarks: `POST /v1/chat/completions`, plain or streamed (SSE
 * chunks, `stream_options.include_usage`), with scripted answers, HTTP errors (429 with `Retry-After`, 500, 401),
 * slow answers, hanging requests and streams cut mid-way. It records every request, and whether the client
 * aborted it, so tests can assert what the real `openai` SDK sent and that a cancellation closed the connection.
 */
export async function startOpenAiServer(opts: { respond?: Responder; host?: string } = {}): Promise<OpenAiTestServer> {
  const requests: RecordedRequest[] = [];
  const scripted: ScriptedReply[] = [];
  let respond: Responder =
    opts.respond ?? (() => ({ kind: "error", status: 500, message: "no responder set in the test server" }));

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    if (req.method !== "POST" || !req.url?.startsWith("/v1/chat/completions")) {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: "not_found" } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      sendJson(res, 400, { error: { message: "body is not JSON", type: "invalid_request_error" } });
      return;
    }
    const record = recordChatRequest(body, req, res);
    requests.push(record);
    const reply = scripted.shift() ?? (await respond(record));
    await playChatReply(reply, record, res);
  }

  await new Promise<void>((resolve) => server.listen(0, opts.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${opts.host ?? "127.0.0.1"}:${port}/v1`,
    requests,
    script: (...replies) => {
      scripted.push(...replies);
    },
    setResponder: (r) => {
      respond = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A chat completion request as the server records it, kept up to date as its connection finishes or closes. */
export function recordChatRequest(
  body: Record<string, unknown>,
  req: IncomingMessage,
  res: ServerResponse,
): RecordedRequest {
  const record: RecordedRequest = {
    body,
    headers: req.headers,
    aborted: false,
    completed: false,
    receivedAt: performance.now(),
    endedAt: undefined,
  };
  // Ended when the last byte is handed to the socket (before the client can have read it), or when it closed.
  res.on("finish", () => {
    record.endedAt ??= performance.now();
  });
  res.on("close", () => {
    record.endedAt ??= performance.now();
    if (!res.writableFinished) record.aborted = true;
  });
  return record;
}

/** Answers one chat completion request with `reply`: plain or streamed, as the request asked. */
export async function playChatReply(reply: ScriptedReply, record: RecordedRequest, res: ServerResponse): Promise<void> {
  const model = typeof record.body.model === "string" ? record.body.model : "test-model";
  const streamed = record.body.stream === true;
  const gone = () => res.destroyed || record.aborted;
  switch (reply.kind) {
    case "hang":
      return;
    case "error": {
      if (reply.delayMs) await sleep(reply.delayMs);
      if (gone()) return;
      const type =
        reply.status === 429 ? "rate_limit_exceeded" : reply.status >= 500 ? "server_error" : "invalid_request_error";
      sendJson(
        res,
        reply.status,
        { error: { message: reply.message ?? `scripted ${reply.status}`, type } },
        reply.headers,
      );
      record.completed = true;
      return;
    }
    case "answer": {
      if (reply.delayMs) await sleep(reply.delayMs);
      if (gone()) return;
      const usage = reply.usage ?? estimateUsage(record.body, reply.content);
      const finish = reply.finishReason ?? "stop";
      if (!streamed) {
        sendJson(res, 200, {
          id: "chatcmpl-test",
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model,
          choices: [{ index: 0, message: { role: "assistant", content: reply.content }, finish_reason: finish }],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        });
        record.completed = true;
        return;
      }
      const pieces = split(reply.content, reply.chunks ?? 8);
      startStream(res);
      for (const piece of pieces) {
        if (gone()) return;
        writeChunk(res, model, { role: "assistant", content: piece }, null);
        if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      }
      if (gone()) return;
      writeChunk(res, model, {}, finish);
      const includeUsage = (record.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
      if (includeUsage) {
        res.write(
          `data: ${JSON.stringify({ ...chunkBase(model), choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`,
        );
      }
      res.end("data: [DONE]\n\n");
      record.completed = true;
      return;
    }
    case "cut": {
      const pieces = split(reply.content, reply.chunks ?? 8).slice(0, reply.afterChunks);
      startStream(res);
      for (const piece of pieces) {
        if (gone()) return;
        writeChunk(res, model, { role: "assistant", content: piece }, null);
        if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      }
      res.destroy();
      return;
    }
  }
}

/**
 * The most requests that were open at the same moment (a request still open counts until now): what a client's
 * concurrency cap looks like from the server's side.
 */
export function peakConcurrency(requests: readonly RecordedRequest[]): number {
  const edges = requests.flatMap((r) => [
    { at: r.receivedAt, delta: 1 },
    { at: r.endedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  // At the same instant a close goes before an arrival: a slot handed straight on is not two calls at once.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let peak = 0;
  for (const edge of edges) {
    open += edge.delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

const chunkBase = (model: string) => ({
  id: "chatcmpl-test",
  object: "chat.completion.chunk",
  created: Math.floor(Date.now() / 1000),
  model,
});

function startStream(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.flushHeaders();
}

function writeChunk(res: ServerResponse, model: string, delta: Record<string, unknown>, finish: string | null): void {
  res.write(
    `data: ${JSON.stringify({ ...chunkBase(model), choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
  );
}

/** Token counts as a rough 4 characters per token: deterministic, so tests can check what was recorded. */
export function estimateUsage(body: Record<string, unknown>, content: string) {
  return {
    prompt_tokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4),
    completion_tokens: Math.ceil(content.length / 4),
  };
}

function split(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, parts)));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}
