import { Gauge } from "prom-client";
import { METRIC_PREFIX, type Metrics } from "./metrics.js";

export interface QueueDepth {
  queue: string;
  priority: string;
  /** Waiting for a worker (`num_pending` of the worker consumer). */
  backlog: number;
  /** Delivered and not yet acked (`num_ack_pending`). */
  inFlight: number;
}

/**
 * `aijobs_queue_backlog` and `aijobs_queue_in_flight` per (queue, priority), collected at scrape time from `read`,
 * which must be cached (`cachedRead`): the consumer info is read from JetStream at most once per cache period,
 * however often Prometheus scrapes and however many jobs run. A failed read leaves the last values in place.
 */
export function registerQueueGauges(metrics: Pick<Metrics, "registry">, read: () => Promise<QueueDepth[]>): void {
  const registers = [metrics.registry];
  const depths = () => read().catch(() => undefined);
  new Gauge({
    name: `${METRIC_PREFIX}queue_backlog`,
    help: "Commands waiting for a worker, per queue and priority (cached consumer info)",
    labelNames: ["queue", "priority"],
    registers,
    async collect() {
      for (const d of (await depths()) ?? []) this.set({ queue: d.queue, priority: d.priority }, d.backlog);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}queue_in_flight`,
    help: "Commands delivered to a worker and not yet acked, per queue and priority (cached consumer info)",
    labelNames: ["queue", "priority"],
    registers,
    async collect() {
      for (const d of (await depths()) ?? []) this.set({ queue: d.queue, priority: d.priority }, d.inFlight);
    },
  });
}

/** A gauge read from memory at scrape time, e.g. the open SSE connections of this replica. */
export function registerValueGauge(
  metrics: Pick<Metrics, "registry">,
  name: string,
  help: string,
  value: () => number,
): void {
  new Gauge({
    name: `${METRIC_PREFIX}${name}`,
    help,
    registers: [metrics.registry],
    collect() {
      this.set(value());
    },
  });
}
