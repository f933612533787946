import type { MeView } from "@ai-jobs/contracts";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Client } from "./api/client.js";
import { describeError, isUnauthorized } from "./api/errors.js";

/**
 * Only what the user typed is kept, in sessionStorage (gone with the tab): the token. Who it is (`GET /me/`) is asked
 * again on every load and held in memory only.
 */
const TOKEN_KEY = "ai-jobs.dashboard.token";

export const storedToken = (): string | null => window.sessionStorage.getItem(TOKEN_KEY);
export const storeToken = (token: string): void => window.sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = (): void => window.sessionStorage.removeItem(TOKEN_KEY);

export interface Session {
  client: Client;
  me: MeView;
  /** Back to the login form, with a reason to show there. */
  logout(reason?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a session");
  return session;
}

/** What a role may see and do: a viewer only reads, only an admin operates the platform. */
export const mayAct = (me: MeView): boolean => me.role !== "viewer";
/** Cancel and retry of one job: an owner or admin on any of the tenant's jobs, a member on those it submitted. */
export const mayActOn = (me: MeView, job: { user_id: string }): boolean =>
  me.role === "admin" || me.role === "owner" || (me.role === "member" && job.user_id === me.user_id);
export const mayOperate = (me: MeView): boolean => me.role === "admin";

/**
 * The message of a failed call for the page to show; a refused credential (401) ends the session instead, back to the
 * login form.
 */
export function failureOf(session: Session, err: unknown): string {
  if (isUnauthorized(err)) session.logout("The gateway refused the credential (401): log in again.");
  return describeError(err);
}
