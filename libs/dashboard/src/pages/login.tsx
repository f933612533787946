import { useState } from "preact/hooks";
import { ErrorMessage } from "../components/messages.js";

export interface LoginProps {
  /** Why the last session ended (a refused credential), or a failure of the last attempt. */
  notice: string | undefined;
  busy: boolean;
  onLogin(token: string): void;
}

/**
 * The login form: the same credentials as the API, an API key (`aij_…`) or a bearer token. Only what is typed here is
 * kept, in sessionStorage, until the tab is closed or the user logs out.
 */
export function LoginPage({ notice, busy, onLogin }: LoginProps) {
  const [token, setToken] = useState("");
  return (
    <main class="login">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onLogin(token.trim());
        }}
      >
        <h1>ai-jobs dashboard</h1>
        <p class="hint">Log in with an API key or a bearer token, as for the API.</p>
        <label for="token">API key or token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <ErrorMessage text={notice} />
        <button type="submit" class="primary" disabled={busy || !token.trim()}>
          {busy ? "Checking…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
