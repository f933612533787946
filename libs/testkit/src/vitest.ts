/**
 * `@ai-jobs/testkit/vitest`: what only a test file loads (it registers vitest hooks), apart from the rest of the
 * testkit, which `npm run dev` and the benches load too.
 */
import { afterAll, beforeAll } from "vitest";

/**
 * The harness of a test file: `start` runs before its tests (beforeAll, before the hooks the file registers after this
 * call) and the harness closes after them (afterAll, after the file's own). What it returns stands for the harness
 * from then on: `const h = useHarness(() => startHarness())`, then `h.ctx` in tests and hooks. Reading it before the
 * harness has started (at import) throws.
 */
export function useHarness<H extends { close(): Promise<void> }>(start: () => Promise<H>): H {
  let harness: H | undefined;
  beforeAll(async () => {
    harness = await start();
  });
  afterAll(async () => {
    await harness?.close();
  });
  return new Proxy({} as H, {
    get(_target, key) {
      // Not a promise: `await` and vitest's printing look for `then`.
      if (key === "then") return undefined;
      if (harness === undefined) {
        throw new Error(
          `useHarness: read ${String(key)} before the harness started (in a test or a hook, not at import)`,
        );
      }
      return Reflect.get(harness, key);
    },
    has: (_target, key) => harness !== undefined && Reflect.has(harness, key),
  });
}
