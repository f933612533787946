export { type MongoServer, startMongo } from "./mongo.js";
export { type NatsServer, type StartNatsOptions, startNats } from "./nats.js";
export {
  type OpenAiTestServer,
  type RecordedRequest,
  type ScriptedFailure,
  startOpenAiTestServer,
} from "./openai-embeddings-server.js";
export { freePort } from "./ports.js";
export { repoRoot } from "./repo.js";
export { type ServiceProcess, type SpawnServiceOptions, spawnService } from "./service.js";
export { httpOk, type WaitForOptions, waitFor } from "./wait.js";
