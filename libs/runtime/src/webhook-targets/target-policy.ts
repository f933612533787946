import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { z } from "zod";
import { isPublicAddress } from "./public-address.js";

/** Hosts and ranges an operator lets webhooks reach although they are not public addresses. */
export interface WebhookAllowlist {
  /** Lower-case host names, compared with the URL's host exactly: their addresses are not checked. */
  hosts: ReadonlySet<string>;
  ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
  /** As configured, for logs. */
  entries: readonly string[];
}

/** What the gateway (at submit) and the events service (at delivery) both enforce on a webhook target. */
export interface WebhookTargetPolicy {
  allowlist: WebhookAllowlist;
  /** The only ports a webhook may use (`WEBHOOK_ALLOWED_PORTS`). */
  ports: ReadonlySet<number>;
}

const entriesOf = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** `WEBHOOK_ALLOWLIST="hooks.internal,127.0.0.1,10.1.0.0/16,fd00::/8"`: host names, addresses and CIDRs. */
export function parseAllowlist(raw: string): WebhookAllowlist | { error: string } {
  const hosts = new Set<string>();
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const entries = entriesOf(raw);
  for (const entry of entries) {
    const [net = "", prefixText] = entry.split("/");
    const family = isIP(net);
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return { error: `bad CIDR "${entry}"` };
      ranges.push([ipaddr.parse(net), prefix]);
    } else if (prefixText === undefined && /^[a-z0-9.-]+$/i.test(entry)) {
      hosts.add(entry.toLowerCase());
    } else {
      return { error: `bad WEBHOOK_ALLOWLIST entry "${entry}"` };
    }
  }
  return { hosts, ranges, entries };
}

/** `WEBHOOK_ALLOWLIST`: host names, addresses and CIDRs webhooks may reach although private or loopback. */
export const WebhookAllowlistSetting = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const parsed = parseAllowlist(raw);
    if ("error" in parsed) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return parsed;
  });

/** `WEBHOOK_ALLOWED_PORTS="80,443"`: the ports webhooks may use, whatever the host. */
export const WebhookPortsSetting = z
  .string()
  .default("80,443")
  .transform((raw, ctx) => {
    const ports = entriesOf(raw).map(Number);
    if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65_535)) {
      ctx.addIssue({ code: "custom", message: "WEBHOOK_ALLOWED_PORTS must list ports from 1 to 65535" });
      return z.NEVER;
    }
    return new Set(ports) as ReadonlySet<number>;
  });

/** The addresses an allowlist range may match: the address, and the IPv4 address an IPv4-mapped one is. */
function forms(address: string): (ipaddr.IPv4 | ipaddr.IPv6)[] {
  const ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    return [ip, (ip as ipaddr.IPv6).toIPv4Address()];
  }
  return [ip];
}

/** Whether we may connect to `address`: a public address, or one the allowlist's ranges name. */
export function addressAllowed(address: string, allow: WebhookAllowlist): boolean {
  if (isIP(address) === 0) return false;
  const allowlisted = forms(address).some((ip) =>
    allow.ranges.some(([net, prefix]) => net.kind() === ip.kind() && ip.match(net, prefix)),
  );
  return allowlisted || isPublicAddress(address);
}

/** The URL's port, the scheme's default when it names none. */
export const portOf = (url: URL): number => (url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80);

/** The URL's host as compared and resolved: lower case, without IPv6 brackets or a trailing dot. */
export const hostOf = (url: URL): string =>
  url.hostname
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
    .toLowerCase();

/**
 * Why the policy refuses this URL from what it says alone (its port, an IP literal, `localhost`), or undefined
 * when only resolving its name can tell. The gateway uses it at submit, without DNS on its hot path; the events
 * service applies the same rules to every resolved address at delivery.
 */
export function literalTargetRefusal(url: URL, policy: WebhookTargetPolicy): string | undefined {
  const port = portOf(url);
  if (!policy.ports.has(port)) return `port ${port} is not allowed for webhooks`;
  const host = hostOf(url);
  if (policy.allowlist.hosts.has(host)) return undefined;
  if (isIP(host) !== 0) {
    return addressAllowed(host, policy.allowlist) ? undefined : "the address is not a public address";
  }
  // RFC 6761: every name under localhost is loopback.
  if (host === "localhost" || host.endsWith(".localhost")) return "the address is not a public address";
  return undefined;
}
