import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Client } from "../api/client.js";
import { failureOf, useSession } from "../session.js";

export interface Loaded<T> {
  data: T | undefined;
  /** The last failure, readable; cleared by the next success. */
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Loads something from the API when `deps` change, and again every `everyMs` when given (a live figure). A stale
 * answer (deps changed meanwhile) is dropped; a 401 ends the session.
 */
export function useLoad<T>(load: (client: Client) => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const session = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    load(session.client).then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(failureOf(session, err));
        setLoading(false);
      },
    );
  }, [...deps, tick]);

  useEffect(() => {
    if (everyMs === undefined) return;
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);

  return { data, error, loading, reload };
}
