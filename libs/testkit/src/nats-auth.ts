import { inboxPrefixOf, NATS_SERVICES, type NatsService, natsAuthorizationConfig, nkeyEnvOf } from "@ai-jobs/runtime";
import { createUser } from "@nats-io/nkeys";
import { type ConnectionOptions, nkeyAuthenticator } from "@nats-io/transport-node";

export interface NatsUserKeys {
  /** The secret a service connects with (`NATS_NKEY_SEED`). */
  seed: string;
  publicKey: string;
}

export interface NatsAuth {
  users: Record<NatsService, NatsUserKeys>;
  /** The nats-server config: the generated authorization block. */
  serverConfig: string;
  /** The public keys the config refers to (`NATS_<SERVICE>_NKEY`), for the server's environment. */
  serverEnv: Record<string, string>;
  /** What a service process needs to connect as its user. */
  envOf(service: NatsService): Record<string, string>;
  /**
   * The operator's `.env` for Compose and the Kubernetes Secret: `NATS_<SERVICE>_NKEY` (public, for nats-server) and
   * `NATS_<SERVICE>_NKEY_SEED` (secret, for the service), as `npm run nats:keys` prints them.
   */
  dotEnv: Record<string, string>;
  /** Options for a test's own nats.js client that plays a service (e.g. the gateway publishing a command). */
  clientOptionsOf(service: NatsService): Pick<ConnectionOptions, "authenticator" | "inboxPrefix">;
}

/** Fresh NKEYs for every service user, and the server config and environments that go with them. */
export function natsAuth(): NatsAuth {
  const users = Object.fromEntries(
    NATS_SERVICES.map((service) => {
      const user = createUser();
      return [service, { seed: new TextDecoder().decode(user.getSeed()), publicKey: user.getPublicKey() }];
    }),
  ) as Record<NatsService, NatsUserKeys>;
  return {
    users,
    serverConfig: natsAuthorizationConfig(),
    serverEnv: Object.fromEntries(NATS_SERVICES.map((s) => [nkeyEnvOf(s), users[s].publicKey])),
    envOf: (service) => ({ NATS_NKEY_SEED: users[service].seed }),
    dotEnv: Object.fromEntries(
      NATS_SERVICES.flatMap((s) => [
        [nkeyEnvOf(s), users[s].publicKey],
        [`${nkeyEnvOf(s)}_SEED`, users[s].seed],
      ]),
    ),
    clientOptionsOf: (service) => ({
      authenticator: nkeyAuthenticator(new TextEncoder().encode(users[service].seed)),
      inboxPrefix: inboxPrefixOf(service),
    }),
  };
}
