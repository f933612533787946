import { type DeadLetterView, QUEUES } from "@ai-jobs/contracts";
import { useEffect, useState } from "preact/hooks";
import { Empty, ErrorMessage, Outcome } from "../components/messages.js";
import { formatTime } from "../format.js";
import { useAction } from "../hooks/use-action.js";
import { useLoad } from "../hooks/use-load.js";
import { href, navigate } from "../router.js";
import { failureOf, useSession } from "../session.js";

/** Admin: the tenant's dead letters, newest first, each replayable (its job runs again from its stored input). */
export function DeadLettersPage({ query }: { query: Record<string, string> }) {
  const session = useSession();
  const { client } = session;
  const queue = QUEUES.find((q) => q === query.queue);
  const first = useLoad((c) => c.deadLettersPage({ queue }), [queue]);
  // Pages after the first, read with "Load more"; forgotten whenever the first page is read again.
  const [more, setMore] = useState<{ items: DeadLetterView[]; cursor: string | null } | undefined>(undefined);
  const [moreError, setMoreError] = useState<string | undefined>(undefined);
  useEffect(() => setMore(undefined), [first.data]);
  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (first.data?.next_cursor ?? null);
  const action = useAction();
  const list = { data: first.data, error: first.error ?? moreError, reload: first.reload };
  const loadMore = (after: string) =>
    client.deadLettersPage({ queue, cursor: after }).then(
      (page) => setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor }),
      (err: unknown) => setMoreError(failureOf(session, err)),
    );

  return (
    <section>
      <header class="page-head">
        <h1>Dead letters</h1>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Queue
          <select
            value={queue ?? ""}
            onChange={(e) => navigate(href("dead-letters", { queue: e.currentTarget.value }))}
          >
            <option value="">any</option>
            {QUEUES.map((q) => (
              <option key={q} value={q}>
                {q}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </form>
      <ErrorMessage text={list.error} />
      <Outcome message={action.message} />
      {list.data && items.length === 0 ? <Empty>No dead letters.</Empty> : null}
      {items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Job</th>
              <th>Queue</th>
              <th>Type</th>
              <th>Error</th>
              <th>Attempts</th>
              <th>Dead-lettered</th>
              <th>Replayed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.seq} data-seq={d.seq} data-job-id={d.job_id ?? ""}>
                <td class="mono">{d.seq}</td>
                <td>
                  {d.job_id ? (
                    <a class="mono" href={href("jobs", d.job_id)}>
                      {d.job_id}
                    </a>
                  ) : (
                    "—"
                  )}
                </td>
                <td>{d.queue}</td>
                <td>{d.type ?? "—"}</td>
                <td>
                  <code>{d.error.code}</code> {d.error.message}
                </td>
                <td>{d.attempts}</td>
                <td>{formatTime(d.dead_lettered_at)}</td>
                <td data-field="replayed">{formatTime(d.replayed_at)}</td>
                <td>
                  {d.job_id ? (
                    <button
                      type="button"
                      disabled={action.busy}
                      onClick={() =>
                        action.run(async () => {
                          const job = await client.replay(d.seq);
                          list.reload();
                          return `Replayed: job ${job.job_id} is ${job.status} again.`;
                        })
                      }
                    >
                      Replay
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <button type="button" onClick={() => loadMore(cursor)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
