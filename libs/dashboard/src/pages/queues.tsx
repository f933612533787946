import type { QueueHistoryView, QueueStatsListView } from "@ai-jobs/contracts";
import { LineChart } from "../components/chart.js";
import { ErrorMessage } from "../components/messages.js";
import { formatCount, formatDuration, formatTime } from "../format.js";
import { useLoad } from "../hooks/use-load.js";
import { queueSeries } from "../queues/history.js";

/** The figures are cached 3 s by the gateway: reading more often shows nothing new. */
const LIVE_MS = 5_000;

/** Admin: every queue's figures, live, and its backlog and throughput over the last hour. */
export function QueuesPage() {
  const stats = useLoad((c) => c.queues(), [], LIVE_MS);
  const history = useLoad((c) => c.queueHistory(), [], 30_000);
  return (
    <section>
      <header class="page-head">
        <h1>Queues</h1>
        {stats.data ? <span class="muted">figures of {formatTime(stats.data.taken_at)}</span> : null}
      </header>
      <ErrorMessage text={stats.error ?? history.error} />
      {stats.data?.queues.map((q) => (
        <QueueCard key={q.queue} queue={q} history={history.data} />
      ))}
    </section>
  );
}

function QueueCard({
  queue: q,
  history,
}: {
  queue: QueueStatsListView["queues"][number];
  history: QueueHistoryView | undefined;
}) {
  const backlog = q.priorities.reduce((s, p) => s + p.backlog, 0);
  const inFlight = q.priorities.reduce((s, p) => s + p.in_flight, 0);
  const now = Date.now();
  return (
    <article class="card queue" data-queue={q.queue}>
      <h2>{q.queue}</h2>
      <dl class="figures">
        <div>
          <dt>Backlog</dt>
          <dd data-figure="backlog">{formatCount(backlog)}</dd>
        </div>
        <div>
          <dt>In flight</dt>
          <dd data-figure="in-flight">{formatCount(inFlight)}</dd>
        </div>
        <div>
          <dt>Finished / min</dt>
          <dd data-figure="throughput">
            {formatCount(q.throughput_1m)} <span class="muted">(5 min avg {formatCount(q.throughput_5m)})</span>
          </dd>
        </div>
        <div>
          <dt>Live workers</dt>
          <dd data-figure="workers">
            {q.workers.alive}{" "}
            <span class="muted">
              ({q.workers.in_flight} of {q.workers.concurrency} slots busy)
            </span>
          </dd>
        </div>
        <div>
          <dt>Dead letters</dt>
          <dd data-figure="dead-letters">{formatCount(q.dead_letters)}</dd>
        </div>
      </dl>
      <div class="queue-body">
        <table>
          <thead>
            <tr>
              <th>Priority</th>
              <th>Backlog</th>
              <th>In flight</th>
              <th>Redeliveries</th>
              <th>Oldest waiting</th>
              <th>Finished / min</th>
              <th>5 min avg</th>
            </tr>
          </thead>
          <tbody>
            {q.priorities.map((p) => (
              <tr key={p.priority}>
                <td>{p.priority}</td>
                <td>{formatCount(p.backlog)}</td>
                <td>{formatCount(p.in_flight)}</td>
                <td>{formatCount(p.redeliveries)}</td>
                <td>{formatDuration(p.oldest_waiting_age_ms)}</td>
                <td>{formatCount(p.throughput_1m)}</td>
                <td>{formatCount(p.throughput_5m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {history ? (
          <LineChart
            title="Last hour"
            series={queueSeries(history, q.queue)}
            from={now - history.window_ms}
            to={now}
            gapMs={history.interval_ms * 2.5}
          />
        ) : null}
      </div>
    </article>
  );
}
