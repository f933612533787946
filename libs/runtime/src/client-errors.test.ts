import { once } from "node:events";
import net from "node:net";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerClientError } from "./client-errors.js";

const app = Fastify({ clientErrorHandler: answerClientError });
app.get("/", async () => ({ ok: true }));
let base: string;

beforeAll(async () => {
  base = await app.listen({ port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await app.close();
});

/** Found by the HTTP fuzz tests: Node refused these before any route ran, and Fastify answered plain JSON. */
describe("answerClientError", () => {
  it("answers a URL past Node's header limit with a 431 problem", async () => {
    const res = await fetch(`${base}/?q=${"x".repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 431, code: "VALIDATION_FAILED" });
  });

  it("answers bytes that are not HTTP with a 400 problem", async () => {
    const { port } = new URL(base);
    const socket = net.connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.write("NOT HTTP AT ALL\r\n\r\n");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    await once(socket, "close");
    const text = Buffer.concat(chunks).toString();
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain("Content-Type: application/problem+json");
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toMatchObject({
      status: 400,
      code: "VALIDATION_FAILED",
    });
  });
});
