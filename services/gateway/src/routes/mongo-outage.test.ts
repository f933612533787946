import { GeneratePlanResponse, Problem } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, planBody, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const submit = () =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers: auth, payload: planBody() });

describe("while MongoDB is down", () => {
  it.skipIf(Boolean(process.env.MONGO_URL))(
    "reads and submits answer 503 with Retry-After, and work again once it is back",
    async () => {
      const { job_id: jobId } = GeneratePlanResponse.parse((await submit()).json());
      const read = () => app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/`, headers: auth });

      await h.mongo.stop();
      try {
        for (const [what, send] of [
          ["read", read],
          ["submit", submit],
          ["list", () => app.inject({ method: "GET", url: "/api/ai/jobs/", headers: auth })],
        ] as const) {
          const startedAt = performance.now();
          const res = await send();
          console.info(
            `${what} with MongoDB down: ${res.statusCode} in ${Math.round(performance.now() - startedAt)} ms`,
          );
          expect(res.statusCode).toBe(503);
          expect(res.headers["retry-after"]).toBe("2");
          expect(res.headers["content-type"]).toContain("application/problem+json");
          expect(Problem.parse(res.json())).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
          // The driver's message (host, port) is never shown.
          expect(JSON.stringify(res.json())).not.toContain("127.0.0.1");
        }
      } finally {
        await h.mongo.restart();
      }
      await waitFor(async () => (await read()).statusCode === 200, {
        what: "reads to work again",
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      expect((await submit()).statusCode).toBe(202);
    },
  );
});
