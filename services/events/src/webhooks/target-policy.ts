import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** A webhook target that resolves to an address we refuse to call (SSRF). Never retried. */
export class TargetNotAllowedError extends Error {
  override readonly name = "TargetNotAllowedError";
  constructor(readonly detail: string) {
    super("target not allowed");
  }
}

/** Hosts and ranges an operator lets webhooks reach even though they are private or loopback. */
export interface WebhookAllowlist {
  /** Lower-case host names, compared with the URL's host exactly. */
  hosts: ReadonlySet<string>;
  ranges: BlockList;
  /** As configured, for logs. */
  entries: readonly string[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Loopback, private, link-local, unique-local, CGNAT, unspecified, multicast and reserved ranges. */
const REFUSED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  REFUSED.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fe80::", 10],
  ["fc00::", 7],
  ["ff00::", 8],
] as const) {
  REFUSED.addSubnet(net, prefix, "ipv6");
}

const familyOf = (address: string): 4 | 6 | undefined => {
  const family = isIP(address);
  return family === 4 || family === 6 ? family : undefined;
};

/** `::ffff:10.0.0.1` is 10.0.0.1: an IPv4-mapped address is judged as the IPv4 address it carries. */
function unmapped(address: string): ResolvedAddress | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 4 };
  const family = familyOf(address);
  return family ? { address, family } : undefined;
}

const blockType = (family: 4 | 6) => (family === 4 ? "ipv4" : "ipv6");

/** `WEBHOOK_ALLOWLIST="hooks.internal,127.0.0.1,10.1.0.0/16,fd00::/8"`: host names, addresses and CIDRs. */
export function parseAllowlist(raw: string): WebhookAllowlist | { error: string } {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  const entries = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [net = "", prefixText] = entry.split("/");
    const family = familyOf(net);
    if (family) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return { error: `bad CIDR "${entry}"` };
      ranges.addSubnet(net, prefix, blockType(family));
    } else if (prefixText === undefined && /^[a-z0-9.-]+$/i.test(entry)) {
      hosts.add(entry.toLowerCase());
    } else {
      return { error: `bad WEBHOOK_ALLOWLIST entry "${entry}"` };
    }
  }
  return { hosts, ranges, entries };
}

/** Whether we may connect to `address`: a public address, or one the allowlist names. */
export function addressAllowed(address: string, allow: WebhookAllowlist): boolean {
  const ip = unmapped(address);
  if (!ip) return false;
  const type = blockType(ip.family);
  if (allow.ranges.check(ip.address, type)) return true;
  return !REFUSED.check(ip.address, type);
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.flatMap((a) => (a.family === 4 || a.family === 6 ? [{ address: a.address, family: a.family }] : []));
};

/**
 * Resolves the URL's host to every address it has, and refuses the target when any of them is not allowed (an
 * attacker's DNS may answer one public and one private address). A host named in the allowlist is not checked. The
 * caller connects to exactly the addresses returned here, never resolving the name again (no DNS rebinding).
 */
export async function resolveTarget(
  url: URL,
  allow: WebhookAllowlist,
  resolve: Resolver = systemResolver,
): Promise<ResolvedAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const literal = familyOf(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new Error(`cannot resolve ${host}: ${(err as Error).message}`);
    }
    if (addresses.length === 0) throw new Error(`cannot resolve ${host}: no address`);
  }
  if (allow.hosts.has(host)) return addresses;
  const refused = addresses.filter((a) => !addressAllowed(a.address, allow));
  if (refused.length > 0) {
    throw new TargetNotAllowedError(`${host} resolves to ${refused.map((a) => a.address).join(", ")}`);
  }
  return addresses;
}
