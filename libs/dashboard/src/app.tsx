import type { MeView } from "@ai-jobs/contracts";
import { useEffect, useMemo, useState } from "preact/hooks";
import { createClient } from "./api/client.js";
import { describeError, isUnauthorized } from "./api/errors.js";
import { Layout } from "./components/layout.js";
import { DeadLettersPage } from "./pages/dead-letters.js";
import { JobDetailPage } from "./pages/job-detail.js";
import { JobsPage } from "./pages/jobs.js";
import { LoginPage } from "./pages/login.js";
import { QueuesPage } from "./pages/queues.js";
import { SchedulesPage } from "./pages/schedules.js";
import { UsagePage } from "./pages/usage.js";
import { type Route, useRoute } from "./router.js";
import { forgetToken, mayOperate, type Session, SessionContext, storedToken, storeToken } from "./session.js";

/** The whole page: the login form until a credential is accepted (`GET /me/`), then the screens its role may see. */
export function App() {
  const [token, setToken] = useState(storedToken);
  const [me, setMe] = useState<MeView | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const route = useRoute();
  const client = useMemo(() => (token ? createClient(token) : undefined), [token]);

  useEffect(() => {
    if (!client) return;
    let current = true;
    setMe(undefined);
    client.me().then(
      (who) => {
        if (!current) return;
        if (token) storeToken(token);
        setMe(who);
        setNotice(undefined);
      },
      (err: unknown) => {
        if (!current) return;
        forgetToken();
        setToken(null);
        setNotice(isUnauthorized(err) ? "The gateway refused this credential (401)." : describeError(err));
      },
    );
    return () => {
      current = false;
    };
  }, [client, token]);

  const session = useMemo<Session | undefined>(
    () =>
      client && me
        ? {
            client,
            me,
            logout(reason) {
              forgetToken();
              setToken(null);
              setMe(undefined);
              setNotice(reason);
            },
          }
        : undefined,
    [client, me],
  );

  if (!session) return <LoginPage notice={notice} busy={token !== null} onLogin={setToken} />;
  return (
    <SessionContext.Provider value={session}>
      <Layout route={route}>
        <Screen route={route} admin={mayOperate(session.me)} />
      </Layout>
    </SessionContext.Provider>
  );
}

function Screen({ route, admin }: { route: Route; admin: boolean }) {
  const [page, id] = route.path;
  switch (page) {
    case "jobs":
      return id ? <JobDetailPage key={id} jobId={id} /> : <JobsPage query={route.query} />;
    case "queues":
      return admin ? <QueuesPage /> : <NotAllowed />;
    case "dead-letters":
      return admin ? <DeadLettersPage query={route.query} /> : <NotAllowed />;
    case "schedules":
      return <SchedulesPage />;
    case "usage":
      return <UsagePage query={route.query} />;
    default:
      return <p class="empty">No such page.</p>;
  }
}

const NotAllowed = () => <p class="message error">This page is for administrators.</p>;
