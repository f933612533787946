/** The local Redis BullMQ runs on (REDIS_URL overrides 127.0.0.1:6379). */
const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
export const REDIS = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
