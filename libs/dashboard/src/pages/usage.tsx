import { useMemo } from "preact/hooks";
import { Empty, ErrorMessage } from "../components/messages.js";
import { formatCount } from "../format.js";
import { useLoad } from "../hooks/use-load.js";
import { href, navigate } from "../router.js";

const RANGES: Readonly<Record<string, number>> = { "7": 7, "30": 30, "90": 90 };
const DAY_MS = 86_400_000;

/** The tenant's LLM token usage by day and model, and its totals by model and job type. */
export function UsagePage({ query }: { query: Record<string, string> }) {
  const days = RANGES[query.days ?? ""] ?? 7;
  // From the start of the UTC day `days - 1` days ago, so that the first row is a whole day.
  const since = useMemo(
    () => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS).toISOString(),
    [days],
  );
  const usage = useLoad((c) => c.usage({ since }), [since]);
  const data = usage.data;
  return (
    <section>
      <header class="page-head">
        <h1>Token usage</h1>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Period
          <select value={String(days)} onChange={(e) => navigate(href("usage", { days: e.currentTarget.value }))}>
            {Object.keys(RANGES).map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorMessage text={usage.error} />
      {data ? (
        <>
          <dl class="figures">
            <div>
              <dt>Total tokens</dt>
              <dd>{formatCount(data.totals.total_tokens)}</dd>
            </div>
            <div>
              <dt>Prompt / completion</dt>
              <dd>
                {formatCount(data.totals.prompt_tokens)} / {formatCount(data.totals.completion_tokens)}
              </dd>
            </div>
            <div>
              <dt>Model calls</dt>
              <dd>{formatCount(data.totals.calls)}</dd>
            </div>
          </dl>
          <h2>By day and model (UTC)</h2>
          {data.by_day.length === 0 ? (
            <Empty>No model calls in this period.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Model</th>
                  <th>Calls</th>
                  <th>Prompt tokens</th>
                  <th>Completion tokens</th>
                  <th>Total tokens</th>
                </tr>
              </thead>
              <tbody>
                {data.by_day.map((d) => (
                  <tr key={`${d.day}-${d.model}-${d.system}`}>
                    <td>{d.day}</td>
                    <td>
                      {d.model} <span class="muted">({d.system})</span>
                    </td>
                    <td>{formatCount(d.calls)}</td>
                    <td>{formatCount(d.prompt_tokens)}</td>
                    <td>{formatCount(d.completion_tokens)}</td>
                    <td>{formatCount(d.total_tokens)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>By job type</h2>
          {data.by_type.length === 0 ? (
            <Empty>None.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Job type</th>
                  <th>Calls</th>
                  <th>Total tokens</th>
                </tr>
              </thead>
              <tbody>
                {data.by_type.map((t) => (
                  <tr key={t.type}>
                    <td>{t.type}</td>
                    <td>{formatCount(t.calls)}</td>
                    <td>{formatCount(t.total_tokens)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
