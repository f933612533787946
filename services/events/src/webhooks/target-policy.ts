import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { addressAllowed, hostOf, portOf, type WebhookTargetPolicy } from "@ai-jobs/runtime";

/** A webhook target the policy refuses (SSRF): a port or an address we do not call. Never retried. */
export class TargetNotAllowedError extends Error {
  override readonly name = "TargetNotAllowedError";
  constructor(readonly detail: string) {
    super("target not allowed");
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.flatMap((a) => (a.family === 4 || a.family === 6 ? [{ address: a.address, family: a.family }] : []));
};

/**
 * Checks the URL's port, then resolves its host to every address it has and refuses the target when any of them is
 * not allowed (an attacker's DNS may answer one public and one private address). A host named in the allowlist has
 * its addresses unchecked (its port still is). The caller connects to exactly the addresses returned here, never
 * resolving the name again (no DNS rebinding).
 */
export async function resolveTarget(
  url: URL,
  policy: WebhookTargetPolicy,
  resolve: Resolver = systemResolver,
): Promise<ResolvedAddress[]> {
  const port = portOf(url);
  if (!policy.ports.has(port)) throw new TargetNotAllowedError(`port ${port} is not in WEBHOOK_ALLOWED_PORTS`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal === 4 || literal === 6) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new Error(`cannot resolve ${host}: ${(err as Error).message}`);
    }
    if (addresses.length === 0) throw new Error(`cannot resolve ${host}: no address`);
  }
  if (policy.allowlist.hosts.has(hostOf(url))) return addresses;
  const refused = addresses.filter((a) => !addressAllowed(a.address, policy.allowlist));
  if (refused.length > 0) {
    throw new TargetNotAllowedError(`${host} resolves to ${refused.map((a) => a.address).join(", ")}`);
  }
  return addresses;
}
