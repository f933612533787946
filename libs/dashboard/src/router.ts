import { useEffect, useState } from "preact/hooks";

/** Where the page is: `#/jobs?status=failed` is `{ path: ["jobs"], query: { status: "failed" } }`. */
export interface Route {
  path: string[];
  query: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const [rawPath = "", rawQuery = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const path = rawPath.split("/").filter(Boolean).map(decodeURIComponent);
  return { path: path.length > 0 ? path : ["jobs"], query: Object.fromEntries(new URLSearchParams(rawQuery)) };
}

/** The hash of a route: `href("jobs", "01K…")`, with a query of the non-empty values. */
export function href(...parts: Array<string | Record<string, string | undefined>>): string {
  const path = parts.filter((p): p is string => typeof p === "string").map(encodeURIComponent);
  const query = parts.find((p): p is Record<string, string | undefined> => typeof p === "object");
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) params.set(k, v);
  const search = params.toString();
  return `#/${path.join("/")}${search ? `?${search}` : ""}`;
}

/** The current route, following the hash (the server serves one page: the route lives in the fragment). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export const navigate = (hash: string): void => {
  window.location.hash = hash;
};
