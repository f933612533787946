import { createWriteStream } from "node:fs";

/** `process.memoryUsage()` of the inspected process, in bytes. */
export type MemoryUsage = Record<"rss" | "heapTotal" | "heapUsed" | "external" | "arrayBuffers", number>;

export interface Inspector {
  /** Two full garbage collections, then the process's `process.memoryUsage()`: what it keeps, without its garbage. */
  memoryAfterGc(): Promise<MemoryUsage>;
  /** Writes a heap snapshot (after a full GC, as V8 always takes them) to `file`, for Chrome DevTools or a diff. */
  heapSnapshot(file: string): Promise<void>;
  close(): void;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  result?: unknown;
  error?: { message: string };
}

/**
 * A Chrome DevTools Protocol session with a Node process started with `--inspect=127.0.0.1:<port>`, over Node's
 * built-in WebSocket. Only the HeapProfiler domain and `Runtime.evaluate` are used: the debugger stays off, so the
 * process runs its code as it would without the session.
 */
export async function connectInspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  let serial = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  let onChunk: ((chunk: string) => void) | undefined;
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data)) as CdpMessage;
    if (msg.method === "HeapProfiler.addHeapSnapshotChunk") return onChunk?.(msg.params?.chunk ?? "");
    const waiting = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiting || msg.id === undefined) return;
    pending.delete(msg.id);
    if (msg.error) waiting.reject(new Error(msg.error.message));
    else waiting.resolve(msg.result);
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++serial;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });

  return {
    async memoryAfterGc() {
      await send("HeapProfiler.collectGarbage");
      await send("HeapProfiler.collectGarbage");
      const { result } = (await send("Runtime.evaluate", {
        expression: "JSON.stringify(process.memoryUsage())",
        returnByValue: true,
      })) as { result: { value: string } };
      return JSON.parse(result.value) as MemoryUsage;
    },
    async heapSnapshot(file) {
      const out = createWriteStream(file);
      onChunk = (chunk) => out.write(chunk);
      try {
        await send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      } finally {
        onChunk = undefined;
        await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
    },
    close: () => ws.close(),
  };
}
