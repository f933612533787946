import type { JobView } from "@ai-jobs/contracts";
import { useMemo, useState } from "preact/hooks";
import { ErrorMessage, Outcome } from "../components/messages.js";
import { ProgressBar, StatusBadge } from "../components/status.js";
import { formatRelative } from "../format.js";
import { useAction } from "../hooks/use-action.js";
import { type BulkKind, ELIGIBLE, runBulk, summarize } from "../jobs/bulk.js";
import { FILTER_CHOICES, filtersOf, type JobFilters, matches, toJobQuery, WITHIN } from "../jobs/filters.js";
import { useLiveJobs } from "../jobs/use-live-jobs.js";
import { href, navigate } from "../router.js";
import { mayAct, mayActOn, useSession } from "../session.js";

const LABELS: Readonly<Record<keyof JobFilters, string>> = {
  status: "Status",
  type: "Type",
  queue: "Queue",
  priority: "Priority",
  within: "Created",
};

/** The tenant's jobs, live: filters, the list, and bulk cancel or retry of the selected ones. */
export function JobsPage({ query }: { query: Record<string, string> }) {
  const session = useSession();
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  // The time window is counted from when the filters were set, not from every render.
  const jobQuery = useMemo(() => toJobQuery(filters, Date.now()), [key]);
  const list = useLiveJobs(jobQuery, (job) => matches(filters, job, Date.now()));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = useState<BulkKind | undefined>(undefined);
  const bulk = useAction();
  const canAct = mayAct(session.me);

  // A member acts only on the jobs it submitted, so only those can be selected.
  const actable = list.jobs.filter((j) => mayActOn(session.me, j));
  const shown = new Set(actable.map((j) => j.job_id));
  const chosen = list.jobs.filter((j) => selected.has(j.job_id));
  const eligible = (kind: BulkKind) => chosen.filter((j) => ELIGIBLE[kind].has(j.status));
  const allChosen = actable.length > 0 && actable.every((j) => selected.has(j.job_id));

  const setFilter = (name: keyof JobFilters, value: string) => navigate(href("jobs", { ...filters, [name]: value }));
  const toggle = (id: string) => {
    const next = new Set([...selected].filter((s) => shown.has(s)));
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const act = (kind: BulkKind) => {
    const ids = eligible(kind).map((j) => j.job_id);
    setConfirming(undefined);
    return bulk.run(async () => {
      const outcome = await runBulk(ids, (id) =>
        kind === "cancel" ? session.client.cancel(id) : session.client.retry(id),
      );
      list.replace(outcome.done);
      if (outcome.unauthorized) throw outcome.unauthorized;
      setSelected(new Set());
      if (outcome.failed.length > 0) throw new Error(summarize(kind, ids.length, outcome));
      return summarize(kind, ids.length, outcome);
    });
  };

  return (
    <section>
      <header class="page-head">
        <h1>Jobs</h1>
        <span class={`live ${list.live ? "on" : "off"}`}>{list.live ? "live" : "reconnecting…"}</span>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        {(Object.keys(FILTER_CHOICES) as Array<keyof JobFilters>).map((name) => (
          <label key={name}>
            {LABELS[name]}
            <select name={name} value={filters[name] ?? ""} onChange={(e) => setFilter(name, e.currentTarget.value)}>
              <option value="">{name === "within" ? "any time" : "any"}</option>
              {FILTER_CHOICES[name].map((v) => (
                <option key={v} value={v}>
                  {name === "within" ? (WITHIN[v]?.label ?? v) : v}
                </option>
              ))}
            </select>
          </label>
        ))}
        {Object.keys(filters).length > 0 ? (
          <a class="button" href={href("jobs")}>
            Clear filters
          </a>
        ) : null}
      </form>

      {canAct ? (
        <fieldset class="bulk">
          <legend class="visually-hidden">Bulk actions</legend>
          <span>{chosen.length} selected</span>
          {(["cancel", "retry"] as const).map((kind) =>
            confirming === kind ? (
              <span key={kind} class="confirm">
                {kind === "cancel" ? "Cancel" : "Retry"} {eligible(kind).length} job(s)?{" "}
                <button type="button" class="danger" onClick={() => act(kind)}>
                  Yes, {kind}
                </button>
                <button type="button" onClick={() => setConfirming(undefined)}>
                  No
                </button>
              </span>
            ) : (
              <button
                key={kind}
                type="button"
                disabled={bulk.busy || eligible(kind).length === 0}
                onClick={() => setConfirming(kind)}
              >
                {kind === "cancel" ? "Cancel" : "Retry"} selected ({eligible(kind).length})
              </button>
            ),
          )}
        </fieldset>
      ) : null}
      <Outcome message={bulk.message} />
      <ErrorMessage text={list.error} />

      <table class="jobs">
        <thead>
          <tr>
            {canAct ? (
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked={allChosen}
                  onChange={() => setSelected(allChosen ? new Set() : new Set(shown))}
                />
              </th>
            ) : null}
            <th>Job</th>
            <th>Type</th>
            <th>Queue</th>
            <th>Priority</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Attempt</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {list.jobs.map((job) => (
            <JobRow
              key={job.job_id}
              job={job}
              selectable={canAct}
              actable={mayActOn(session.me, job)}
              selected={selected.has(job.job_id)}
              onToggle={() => toggle(job.job_id)}
            />
          ))}
        </tbody>
      </table>
      {!list.loading && list.jobs.length === 0 ? <p class="empty">No jobs match.</p> : null}
      {list.nextCursor ? (
        <button type="button" onClick={list.loadMore}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

function JobRow(props: {
  job: JobView;
  /** The column of checkboxes is shown (the caller may act on some jobs). */
  selectable: boolean;
  /** This job may be selected (a member's own job, or any job for an owner or admin). */
  actable: boolean;
  selected: boolean;
  onToggle(): void;
}) {
  const { job } = props;
  return (
    <tr data-job-id={job.job_id} data-status={job.status}>
      {props.selectable ? (
        <td>
          {props.actable ? (
            <input
              type="checkbox"
              aria-label={`Select job ${job.job_id}`}
              checked={props.selected}
              onChange={props.onToggle}
            />
          ) : null}
        </td>
      ) : null}
      <td>
        <a class="mono" href={href("jobs", job.job_id)}>
          {job.job_id}
        </a>
      </td>
      <td>{job.type}</td>
      <td>{job.queue}</td>
      <td>{job.priority}</td>
      <td>
        <StatusBadge status={job.status} />
        {job.run_at && job.status === "queued" ? (
          <span class="delayed" title={job.run_at}>
            runs {formatRelative(job.run_at)}
          </span>
        ) : null}
      </td>
      <td class="progress-cell">
        <ProgressBar pct={job.progress.pct} />
        <span class="step">{job.progress.step ?? ""}</span>
      </td>
      <td>
        {job.attempt}/{job.max_attempts}
      </td>
      <td title={job.created_at}>{formatRelative(job.created_at)}</td>
    </tr>
  );
}
