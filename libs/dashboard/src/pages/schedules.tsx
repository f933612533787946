import { Empty, ErrorMessage } from "../components/messages.js";
import { formatRelative, formatTime } from "../format.js";
import { useLoad } from "../hooks/use-load.js";

/** The cron schedules that submit the tenant's jobs (an admin sees every one), with their next fire time. */
export function SchedulesPage() {
  const list = useLoad((c) => c.schedules(), [], 30_000);
  return (
    <section>
      <header class="page-head">
        <h1>Schedules</h1>
      </header>
      <ErrorMessage text={list.error} />
      {list.data && list.data.length === 0 ? <Empty>No schedules.</Empty> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Cron</th>
              <th>Time zone</th>
              <th>Job type</th>
              <th>Priority</th>
              <th>Next fire</th>
              <th>Last fire</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{s.kind}</td>
                <td class="mono">{s.cron}</td>
                <td>{s.timezone}</td>
                <td>{s.type ?? "—"}</td>
                <td>{s.priority ?? "—"}</td>
                <td title={s.next_fire_at ?? ""}>
                  {formatTime(s.next_fire_at)} <span class="muted">({formatRelative(s.next_fire_at)})</span>
                </td>
                <td>{formatTime(s.last_fire_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
