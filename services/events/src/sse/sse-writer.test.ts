import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SseWriter } from "./sse-writer.js";

const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A real server whose one response is handed to `serve`, and a client that does not read until told to. */
async function backedUpResponse(serve: (res: http.ServerResponse) => void) {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    serve(res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/`).once("response", resolve).once("error", reject);
  });
  res.pause();
  return res;
}

const readAll = async (res: http.IncomingMessage) => {
  res.setEncoding("utf8");
  let body = "";
  for await (const chunk of res) body += chunk;
  return body;
};

describe("SseWriter", () => {
  it("ends a backed-up stream only after the frames still queued: the last frames are never dropped", async () => {
    const filler = "x".repeat(16_384);
    let direct = 0;
    let queuedAtEnd = 0;
    const res = await backedUpResponse((serverRes) => {
      const writer = new SseWriter(serverRes, 10 * 1024 * 1024, () => undefined);
      // Fill the socket until Node asks to wait for 'drain' (the client is not reading).
      const fill = () => {
        while (writer.writable) {
          writer.send(`id: ${++direct}\ndata: ${filler}\n\n`);
        }
        // Now frames queue in the writer; the last one is the stream's end.
        for (let i = 1; i <= 5; i++) writer.send(`id: ${direct + i}\ndata: queued ${i}\n\n`);
        writer.send("event: meta\ndata: done\n\n");
        queuedAtEnd = writer.pendingBytes;
        writer.end();
      };
      setImmediate(fill);
    });
    const body = await readAll(res);
    expect(queuedAtEnd).toBeGreaterThan(0);
    expect(body.match(/^id: /gm)).toHaveLength(direct + 5);
    expect(body.endsWith(`id: ${direct + 5}\ndata: queued 5\n\nevent: meta\ndata: done\n\n`)).toBe(true);
  });

  it("a client past the buffer bound gets the retry hint and the response ends", async () => {
    const res = await backedUpResponse((serverRes) => {
      const writer = new SseWriter(serverRes, 64 * 1024, () => undefined);
      setImmediate(() => {
        while (writer.send(`data: ${"y".repeat(8_192)}\n\n`)) {}
      });
    });
    const body = await readAll(res);
    expect(body).toContain("retry: 2000\n");
  });
});
