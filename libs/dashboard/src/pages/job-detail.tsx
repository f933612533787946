import type { JobEventView, JobView } from "@ai-jobs/contracts";
import { Empty, ErrorMessage, Outcome } from "../components/messages.js";
import { ProgressBar, StatusBadge } from "../components/status.js";
import { formatDuration, formatTime } from "../format.js";
import { useAction } from "../hooks/use-action.js";
import { useLoad } from "../hooks/use-load.js";
import { ELIGIBLE } from "../jobs/bulk.js";
import type { DraftDay } from "../jobs/partial.js";
import { useLiveJob } from "../jobs/use-live-job.js";
import { href } from "../router.js";
import { mayActOn, useSession } from "../session.js";

/** One job: its state, live progress and drafted content, result, timeline, LLM usage, webhooks and trace. */
export function JobDetailPage({ jobId }: { jobId: string }) {
  const session = useSession();
  const live = useLiveJob(jobId);
  const { job } = live;
  return (
    <section>
      <p>
        <a href={href("jobs")}>← Jobs</a>
      </p>
      <header class="page-head">
        <h1 class="mono">{jobId}</h1>
        {job ? <StatusBadge status={job.status} /> : null}
      </header>
      <ErrorMessage text={live.error} />
      {job ? (
        <>
          <JobFacts job={job} traceUiUrl={session.me.trace_ui_url} />
          {mayActOn(session.me, job) ? <JobActions job={job} onChanged={live.set} /> : null}
          <Timeline events={live.events} />
          <Drafted days={live.drafted} />
          <Usage jobId={jobId} version={live.version} />
          <Webhooks jobId={jobId} version={live.version} />
        </>
      ) : null}
    </section>
  );
}

function JobFacts({ job, traceUiUrl }: { job: JobView; traceUiUrl: string | null }) {
  const ran = job.started_at
    ? (job.finished_at ? Date.parse(job.finished_at) : Date.now()) - Date.parse(job.started_at)
    : null;
  return (
    <div class="facts">
      <dl>
        <dt>Type</dt>
        <dd>{job.type}</dd>
        <dt>Queue / priority</dt>
        <dd>
          {job.queue} / {job.priority}
        </dd>
        <dt>Attempt</dt>
        <dd>
          {job.attempt} of {job.max_attempts}
          {job.retries > 0 ? `, retried ${job.retries}×` : ""}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(job.created_at)}</dd>
        {job.run_at ? (
          <>
            <dt>Runs at</dt>
            <dd>{formatTime(job.run_at)}</dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>{formatTime(job.started_at)}</dd>
        <dt>Finished</dt>
        <dd>
          {formatTime(job.finished_at)}
          {ran !== null ? ` (${formatDuration(ran)})` : ""}
        </dd>
        <dt>Trace</dt>
        <dd>
          {job.trace_id && traceUiUrl ? (
            <a
              href={`${traceUiUrl}/trace/${encodeURIComponent(job.trace_id)}`}
              target="_blank"
              rel="noopener noreferrer"
            >
              Open in Jaeger
            </a>
          ) : (
            <span class="mono">{job.trace_id ?? "—"}</span>
          )}
        </dd>
      </dl>
      <div class="progress-box">
        <ProgressBar pct={job.progress.pct} />
        <p>
          {Math.round(job.progress.pct)} %{job.progress.step ? ` · ${job.progress.step}` : ""}
          {job.progress.message ? ` · ${job.progress.message}` : ""}
        </p>
        {job.last_error ? (
          <p class="message error">
            Last error <code>{job.last_error.code}</code>: {job.last_error.message}
          </p>
        ) : null}
        <Result job={job} />
      </div>
    </div>
  );
}

function JobActions({ job, onChanged }: { job: JobView; onChanged(job: JobView): void }) {
  const { client } = useSession();
  const action = useAction();
  return (
    <div class="actions">
      {ELIGIBLE.cancel.has(job.status) ? (
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() =>
            action.run(async () => {
              onChanged(await client.cancel(job.job_id));
              return "Cancellation requested.";
            })
          }
        >
          Cancel job
        </button>
      ) : null}
      {ELIGIBLE.retry.has(job.status) ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            action.run(async () => {
              onChanged(await client.retry(job.job_id));
              return "Queued again.";
            })
          }
        >
          Retry job
        </button>
      ) : null}
      <Outcome message={action.message} />
    </div>
  );
}

function Drafted({ days }: { days: DraftDay[] }) {
  if (days.length === 0) return null;
  return (
    <section class="drafted">
      <h2>Content</h2>
      <ol class="days">
        {days.map((day) => (
          <li key={day.index} class={day.drafting ? "drafting" : ""}>
            <strong>{day.date ?? `Day ${day.index + 1}`}</strong> {day.title ?? ""}
            {day.drafting ? <span class="badge status-running">drafting</span> : null}
            <ul>
              {(day.sections ?? []).flatMap((s, i) =>
                (s.tasks ?? []).map((t, j) => (
                  <li key={`${i}-${j}`}>
                    {t.title ?? "…"}
                    {t.kind ? <span class="muted"> · {t.kind}</span> : null}
                    {t.estimated_minutes ? <span class="muted"> · {t.estimated_minutes} min</span> : null}
                  </li>
                )),
              )}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Result({ job }: { job: JobView }) {
  if (!job.result_refs) return null;
  return (
    <section>
      <h3>Result</h3>
      <dl class="result">
        {Object.entries(job.result_refs).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd class="mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** What an event adds beyond its kind: a progress message, an error, a reason. */
function summaryOf(event: JobEventView): string {
  const d = event.data;
  if (typeof d.message === "string") return typeof d.pct === "number" ? `${d.pct} % · ${d.message}` : d.message;
  const error = d.error as { code?: unknown; message?: unknown } | undefined;
  if (error && typeof error === "object") return `${String(error.code)}: ${String(error.message)}`;
  if (typeof d.reason === "string") return d.reason;
  return "";
}

function Timeline({ events }: { events: JobEventView[] }) {
  return (
    <section>
      <h2>Timeline</h2>
      {events.length === 0 ? (
        <Empty>No stored events yet.</Empty>
      ) : (
        <table class="timeline">
          <thead>
            <tr>
              <th>#</th>
              <th>At</th>
              <th>Event</th>
              <th>Attempt</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.seq} data-kind={e.kind}>
                <td class="mono">{e.seq}</td>
                <td>{formatTime(e.at)}</td>
                <td>
                  <StatusBadge status={e.kind} />
                </td>
                <td>{e.attempt}</td>
                <td>{summaryOf(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Usage({ jobId, version }: { jobId: string; version: number }) {
  const usage = useLoad((c) => c.jobUsage(jobId), [jobId, version]);
  return (
    <section>
      <h2>LLM usage</h2>
      <ErrorMessage text={usage.error} />
      {usage.data && usage.data.attempts.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Attempt</th>
              <th>Model</th>
              <th>Calls</th>
              <th>Prompt tokens</th>
              <th>Completion tokens</th>
              <th>Latency</th>
            </tr>
          </thead>
          <tbody>
            {usage.data.attempts.map((a) => (
              <tr key={`${a.attempt}-${a.model}-${a.at}`}>
                <td>{a.attempt}</td>
                <td>
                  {a.model} <span class="muted">({a.system})</span>
                </td>
                <td>{a.calls}</td>
                <td>{a.prompt_tokens}</td>
                <td>{a.completion_tokens}</td>
                <td>{formatDuration(a.latency_ms)}</td>
              </tr>
            ))}
            <tr class="total">
              <td>Total</td>
              <td />
              <td>{usage.data.totals.calls}</td>
              <td>{usage.data.totals.prompt_tokens}</td>
              <td>{usage.data.totals.completion_tokens}</td>
              <td>{formatDuration(usage.data.totals.latency_ms)}</td>
            </tr>
          </tbody>
        </table>
      ) : usage.data ? (
        <Empty>No model calls recorded.</Empty>
      ) : null}
    </section>
  );
}

function Webhooks({ jobId, version }: { jobId: string; version: number }) {
  const hooks = useLoad((c) => c.webhookDeliveries(jobId), [jobId, version]);
  return (
    <section>
      <h2>Webhook deliveries</h2>
      <ErrorMessage text={hooks.error} />
      {hooks.data && hooks.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Event</th>
              <th>URL</th>
              <th>State</th>
              <th>Attempts</th>
              <th>Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {hooks.data.map((d) => (
              <tr key={d.id}>
                <td>{d.event_type}</td>
                <td class="mono">{d.url}</td>
                <td>
                  <StatusBadge status={d.state} />
                </td>
                <td>
                  {d.attempts
                    .map((a) => `${formatTime(a.at)}: ${a.status ?? a.error ?? "?"} (${a.duration_ms} ms)`)
                    .join(" · ") || "—"}
                </td>
                <td>{formatTime(d.next_attempt_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : hooks.data ? (
        <Empty>No webhook for this job.</Empty>
      ) : null}
    </section>
  );
}
