// Prints fresh NKEYs for the four NATS users as `.env` lines (`npm run nats:keys >> .env`): the public keys for
// nats-server (NATS_<SERVICE>_NKEY) and the seeds for the services (NATS_<SERVICE>_NKEY_SEED, secrets).
import { natsAuth } from "@ai-jobs/testkit";

for (const [name, value] of Object.entries(natsAuth().dotEnv)) console.log(`${name}=${value}`);
