export type { Child, ProcessOptions } from "./child.js";
export { corsPreflight } from "./cors.js";
export { dashboardBuildIsStale, ensureDashboardBuilt } from "./dashboard-build.js";
export { longestEventLoopStall } from "./event-loop.js";
export * from "./fuzz.js";
export {
  type BootOptions,
  type CommandSpec,
  type DocumentOf,
  type EventsOfOptions,
  type ServiceHarness,
  type ServiceHarnessOptions,
  startServiceHarness,
  startTestServers,
  type TestServers,
  type TestServersOptions,
  type WaitForRecordOptions,
} from "./harness.js";
export { startTestIdentityProvider, type TestIdentityProvider } from "./identity-provider.js";
export { ferretListenArgs, LOOPBACK, natsArgs } from "./listen.js";
export { type MongoServer, type StartMongoOptions, startMongo } from "./mongo.js";
export { type MongoBackend, mongoBackend, mongoBackendLabel } from "./mongo-backend.js";
export { type NatsServer, type StartNatsOptions, startNats } from "./nats.js";
export { type NatsAuth, type NatsUserKeys, natsAuth } from "./nats-auth.js";
export {
  type EmbeddingsRecordedRequest,
  type EmbeddingsTestServer,
  type ScriptedFailure,
  startEmbeddingsTestServer,
} from "./openai-embeddings-server.js";
export {
  estimateUsage,
  type OpenAiTestServer,
  peakConcurrency,
  type RecordedRequest,
  type Responder,
  type ScriptedReply,
  startOpenAiServer,
} from "./openai-server.js";
export { canConnect, freePort } from "./ports.js";
export { type PostgresProcess, type StartPostgresProcessOptions, startPostgresProcess } from "./postgres-process.js";
export { documentRecord, planRecord } from "./records.js";
export { repoRoot } from "./repo.js";
export { type ServiceProcess, type SpawnServiceOptions, spawnService } from "./service.js";
export {
  type ServiceName,
  type StartedService,
  type StartServiceProcessOptions,
  serviceEntry,
  startServiceProcess,
} from "./service-process.js";
export { type ReadSseOptions, readSse, type SseEvent, type SseRead } from "./sse.js";
export { httpOk, type WaitForOptions, waitFor } from "./wait.js";
