import { type NatsServer, startNats, waitFor } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { connectNats, type NatsContext } from "./nats.js";

const log = createLogger({ service: "nats-test", instanceId: "t", level: "silent" });
let server: NatsServer;
let nats: NatsContext;

beforeAll(async () => {
  server = await startNats();
  nats = await connectNats(server.url, "nats-test", log);
});

afterAll(async () => {
  await nats?.nc.close();
  await server?.cleanup();
});

describe("NatsContext.connected", () => {
  it("is false while the server is down and true again once the client reconnects", async () => {
    expect(nats.connected()).toBe(true);
    await server.stop();
    await waitFor(() => !nats.connected(), { what: "the disconnect to be noticed" });
    await server.restart();
    await waitFor(() => nats.connected(), { what: "the reconnect", timeoutMs: 15_000 });
  });

  it("is false once the connection is closed", async () => {
    await nats.nc.close();
    expect(nats.connected()).toBe(false);
  });
});
