import net from "node:net";

/** The local Redis BullMQ runs on (REDIS_URL overrides 127.0.0.1:6379). */
const url = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
export const REDIS = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };

/** True when Redis answers: the BullMQ rows need it, the rest of the suite does not. */
export const redisReachable = (): Promise<boolean> =>
  assertRedis().then(
    () => true,
    () => false,
  );

/** Fails fast with a clear message: BullMQ's client would otherwise retry a missing Redis forever. */
export function assertRedis(timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: REDIS.host, port: REDIS.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`the BullMQ benchmark needs Redis at ${REDIS.host}:${REDIS.port} (set REDIS_URL): ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail("timed out"));
    socket.once("error", (err) => fail(err.message));
    socket.once("connect", () => {
      socket.end();
      resolve();
    });
  });
}
