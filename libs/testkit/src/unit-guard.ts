/**
 * The `unit` vitest project sets this, so a test that starts a server there fails at once with its name, instead of
 * the unit run quietly growing slow (vitest.config.ts sorts files into `unit` and `integration`).
 */
export const NO_SERVERS_ENV = "TESTKIT_NO_SERVERS";

export function assertServersAllowed(what: string): void {
  if (process.env[NO_SERVERS_ENV] !== "1") return;
  throw new Error(
    `${what} in the unit project: a test that starts servers belongs to the integration project (vitest.config.ts)`,
  );
}
