import type { QueueHistoryView } from "@ai-jobs/contracts";
import type { Series } from "../components/chart.js";

/** A queue's backlog and throughput over the sampled hour, as two chart lines. */
export function queueSeries(history: QueueHistoryView, queue: string): Series[] {
  const points = history.samples.flatMap((s) => {
    const q = s.queues.find((x) => x.queue === queue);
    return q ? [{ x: Date.parse(s.at), backlog: q.backlog, throughput: q.throughput_1m }] : [];
  });
  return [
    { name: "backlog", className: "series-a", points: points.map((p) => ({ x: p.x, y: p.backlog })) },
    { name: "finished / min", className: "series-b", points: points.map((p) => ({ x: p.x, y: p.throughput })) },
  ];
}
