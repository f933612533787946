import { useState } from "preact/hooks";
import { failureOf, useSession } from "../session.js";

export interface Action {
  busy: boolean;
  /** The last outcome: what was done, or why it failed. */
  message: { ok: boolean; text: string } | undefined;
  run(work: () => Promise<string>): Promise<void>;
}

/** A button's work: one at a time, its outcome kept as a readable message (a 401 ends the session). */
export function useAction(): Action {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Action["message"]>(undefined);
  return {
    busy,
    message,
    async run(work) {
      setBusy(true);
      setMessage(undefined);
      try {
        setMessage({ ok: true, text: await work() });
      } catch (err) {
        setMessage({ ok: false, text: failureOf(session, err) });
      } finally {
        setBusy(false);
      }
    },
  };
}
