/** The credentials the API takes (docs/API.md, "Authentication and roles"). */
export const SECURITY_SCHEMES = {
  bearer: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT or API key",
    description:
      "`Authorization: Bearer <token>`, one of: a JWT (HS256 with `AUTH_JWT_SECRET`, or RS256/ES256 from the " +
      "identity provider's JWKS at `AUTH_JWKS_URL`; `exp` required; tenant, user and role from its claims); an API " +
      "key `aij_<id>_<secret>` (`POST /api/ai/api-keys/`, its role is its strongest scope's); or, in local " +
      "development and tests only, a static token of `AUTH_TOKENS`. The token decides the tenant and the role " +
      "(`admin`, `owner`, `member`, `viewer`).",
  },
  streamToken: {
    type: "apiKey",
    in: "query",
    name: "token",
    description:
      "A short-lived stream token from `POST /api/ai/jobs/stream-token/`, taken by `GET /api/ai/jobs/stream/` only " +
      "(an EventSource cannot send headers); any other route refuses it.",
  },
} as const;

export const DEFAULT_SECURITY = [{ bearer: [] }];
