import type { ComponentChildren } from "preact";
import { href, type Route } from "../router.js";
import { mayOperate, useSession } from "../session.js";

const PAGES = [
  { path: "jobs", label: "Jobs", admin: false },
  { path: "queues", label: "Queues", admin: true },
  { path: "dead-letters", label: "Dead letters", admin: true },
  { path: "schedules", label: "Schedules", admin: false },
  { path: "usage", label: "Usage", admin: false },
] as const;

/** The navigation (admin pages only for an admin), who is logged in, and the page. */
export function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const session = useSession();
  const { me } = session;
  return (
    <>
      <header class="top">
        <strong class="brand">ai-jobs</strong>
        <nav>
          {PAGES.filter((p) => !p.admin || mayOperate(me)).map((p) => (
            <a key={p.path} href={href(p.path)} aria-current={route.path[0] === p.path ? "page" : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.user_id} · {me.tenant_id} · <span class="role">{me.role}</span>
        </span>
        <button type="button" onClick={() => session.logout()}>
          Log out
        </button>
      </header>
      <main class="content">{children}</main>
    </>
  );
}
