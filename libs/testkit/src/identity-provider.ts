import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

export interface TestIdentityProvider {
  /** The JWKS URL (`AUTH_JWKS_URL`). */
  jwksUrl: string;
  /** The `kid` of the current signing key. */
  kid(): string;
  /** A JWT signed with the current key (`RS256` by default); claims override the defaults (exp in 5 minutes). */
  sign(claims: JWTPayload, opts?: { alg?: "RS256" | "ES256"; key?: "current" | "retired" }): Promise<string>;
  /** Replaces the published key set with a new key (the old one is retired: still able to sign, no longer served). */
  rotate(): Promise<void>;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

async function newKey(alg: "RS256" | "ES256", n: number): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `test-${alg.toLowerCase()}-${n}`;
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/**
 * A local OpenID-style issuer for tests: one RS256 and one ES256 key published as a JWKS over real HTTP, tokens
 * signed with them, and key rotation (the published set is replaced, the way an identity provider rolls its keys).
 */
export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  let generation = 1;
  let current = { RS256: await newKey("RS256", generation), ES256: await newKey("ES256", generation) };
  let retired: typeof current | undefined;
  let fetches = 0;
  const server = createServer((req, res) => {
    if ((req.url ?? "").split("?")[0] !== "/.well-known/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [current.RS256.jwk, current.ES256.jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    kid: () => current.RS256.kid,
    async sign(claims, opts = {}) {
      const alg = opts.alg ?? "RS256";
      const set = opts.key === "retired" ? retired : current;
      if (!set) throw new Error("no retired key yet");
      const key = set[alg];
      const now = Math.floor(Date.now() / 1_000);
      return new SignJWT({ exp: now + 300, iat: now, ...claims })
        .setProtectedHeader({ alg, kid: key.kid, typ: "JWT" })
        .sign(key.privateKey);
    },
    async rotate() {
      generation++;
      retired = current;
      current = { RS256: await newKey("RS256", generation), ES256: await newKey("ES256", generation) };
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
