import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { headersOf, registerHttpSecurity } from "./http-security.js";

const ORIGIN = "https://app.example.com";
const app = Fastify();
registerHttpSecurity(app, { corsOrigins: [ORIGIN], hstsMaxAgeS: 31_536_000 });
let rawHeadersAtHijack: string[] | undefined;
app.get("/json", async () => ({ ok: true }));
app.get("/stream", (_request, reply) => {
  reply.hijack();
  rawHeadersAtHijack = reply.raw.getHeaderNames();
  reply.raw.writeHead(200, { ...headersOf(reply), "content-type": "text/event-stream" });
  reply.raw.end(": bye\n\n");
});

afterAll(async () => {
  await app.close();
});

/** helmet's set for these options, as `@fastify/helmet` sent it. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none';frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "cross-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

describe("registerHttpSecurity", () => {
  it("sends helmet's headers and CORS on replies, on a 404 and on a hijacked stream", async () => {
    for (const url of ["/json", "/missing", "/stream"]) {
      const res = await app.inject({ url, headers: { origin: ORIGIN } });
      expect(res.headers, url).toMatchObject({ ...SECURITY_HEADERS, "access-control-allow-origin": ORIGIN });
    }
  });

  it("sets nothing on the Node response, which would keep a header map for as long as a stream is open", async () => {
    rawHeadersAtHijack = undefined;
    await app.inject({ url: "/stream", headers: { origin: ORIGIN } });
    expect(rawHeadersAtHijack).toEqual([]);
  });
});
