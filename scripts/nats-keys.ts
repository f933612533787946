// Prints fresh NKEYs for the four NATS users as `.env` lines (`npm run nats:keys >> .env`): the public keys for
// nats-server (NATS_<SERVICE>_NKEY) and the seeds for the services (NATS_<SERVICE>_NKEY_SEED, secrets).
import { NATS_SERVICES, nkeyEnvOf } from "@ai-jobs/runtime";
import { createUser } from "@nats-io/nkeys";

for (const service of NATS_SERVICES) {
  const user = createUser();
  console.log(`${nkeyEnvOf(service)}=${user.getPublicKey()}`);
  console.log(`${nkeyEnvOf(service)}_SEED=${new TextDecoder().decode(user.getSeed())}`);
}
