/** A browser's CORS preflight for `url` from `origin`: the method and the request headers it asks to use. */
export function corsPreflight(
  url: string,
  origin: string,
  asks: { method: string; headers: string },
): Promise<Response> {
  return fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": asks.method, "access-control-request-headers": asks.headers },
  });
}
