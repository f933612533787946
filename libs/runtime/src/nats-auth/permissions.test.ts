import { STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { type NatsServer, startNats } from "@ai-jobs/testkit";
import { nkeyAuthenticator } from "@nats-io/nats-core";
import { createUser } from "@nats-io/nkeys";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { connectNats, type NatsContext, provision } from "../nats.js";
import { inboxPrefixOf, type NatsService } from "./permissions.js";

const log = createLogger({ service: "nats-permissions-test", instanceId: "t", level: "silent" });
let server: NatsServer;
const opened: NatsContext[] = [];

/** Connects as a service's NATS user, the way bootService does. */
async function connectAs(service: NatsService): Promise<NatsContext> {
  const users = server.auth?.users;
  if (!users) throw new Error("the server was started without auth");
  const ctx = await connectNats(server.url, `${service}-as-test`, log, {
    nkeySeed: users[service].seed,
    inboxPrefix: inboxPrefixOf(service),
  });
  opened.push(ctx);
  return ctx;
}

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** The first error the server reports on this connection (a refused subscription or publish) within 3 s. */
async function firstAsyncError(nc: NatsConnection): Promise<string> {
  const reported = (async () => {
    for await (const status of nc.status()) {
      if (status.type === "error") return errorText(status.error);
    }
    return "closed without an error";
  })();
  const quiet = new Promise<string>((resolve) => setTimeout(() => resolve("no error within 3 s"), 3_000).unref());
  return Promise.race([reported, quiet]);
}

beforeAll(async () => {
  server = await startNats({ auth: true });
  // Each service provisions at boot with its own user: all of them must be allowed to (idempotently).
  for (const service of ["events", "gateway", "planner", "ingestor"] as const) {
    await provision(await connectAs(service), { jobsMaxMsgs: 1_000, jobsMaxBytes: 64 * 1024 * 1024 });
  }
}, 60_000);

afterAll(async () => {
  for (const ctx of opened) await ctx.nc.close();
  await server?.cleanup();
});

describe("NATS with the generated authorization", () => {
  it("refuses a client without credentials", async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it("refuses a client whose key is not one of the services'", async () => {
    const stranger = new TextDecoder().decode(createUser().getSeed());
    await expect(
      connect({
        servers: server.url,
        reconnect: false,
        authenticator: nkeyAuthenticator(new TextEncoder().encode(stranger)),
      }),
    ).rejects.toThrow(/authorization/i);
  });

  it("lets the gateway publish a planner command, but not the ingestor", async () => {
    const subject = SUBJECTS.job("ai_generation", "high", "acme");
    const gateway = await connectAs("gateway");
    const accepted = await gateway.js.publish(subject, "{}");
    expect(accepted.stream).toBe(STREAMS.jobs);

    const ingestor = await connectAs("ingestor");
    const refused = await ingestor.js.publish(subject, "{}", { timeout: 2_000 }).then(
      () => "published",
      (err: unknown) => errorText(err),
    );
    expect(refused).toMatch(/permission/i);
    const stream = await (await connectAs("events")).jsm.streams.info(STREAMS.jobs);
    expect(stream.state.messages).toBe(1);
  });

  it("does not let the ingestor read events: no subscription, no consumer, no direct get", async () => {
    const gateway = await connectAs("gateway");
    await gateway.js.publish(SUBJECTS.event("acme", "01JOB", "queued"), "{}");
    const ingestor = await connectAs("ingestor");

    const refusedSub = firstAsyncError(ingestor.nc);
    ingestor.nc.subscribe(SUBJECTS.eventsAll);
    expect(await refusedSub).toMatch(/permission/i);

    const refusedConsumer = await ingestor.jsm.consumers.add(STREAMS.events, { name: "peek" }).then(
      () => "created",
      (err: unknown) => errorText(err),
    );
    expect(refusedConsumer).toMatch(/permission/i);

    const refusedGet = await ingestor.jsm.direct
      .getMessage(STREAMS.events, { last_by_subj: SUBJECTS.event("acme", "01JOB", "queued") })
      .then(
        () => "read",
        (err: unknown) => errorText(err),
      );
    expect(refusedGet).toMatch(/permission/i);
  });

  it("does not let one service read another's replies (where the events service's pulled events arrive)", async () => {
    const gateway = await connectAs("gateway");
    const refused = firstAsyncError(gateway.nc);
    gateway.nc.subscribe(`${inboxPrefixOf("events")}.>`);
    expect(await refused).toMatch(/permission/i);
  });
});
