import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** The IPv6 global unicast space (RFC 4291): everything outside it is special-purpose or unallocated. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
/** The well-known NAT64 prefix (RFC 6052): DNS64 answers an IPv4-only name with `64:ff9b::<IPv4>`. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

/** `ipaddr.js` classifies every IANA special-purpose range; only what is left ("unicast") is globally routable. */
const publicV4 = (ip: ipaddr.IPv4): boolean => ip.range() === "unicast";

/** The IPv4 address in the low 32 bits of an IPv6 address. */
const lowV4 = (ip: ipaddr.IPv6): ipaddr.IPv4 => new ipaddr.IPv4(ip.toByteArray().slice(12));

/**
 * Whether `address` (an IP literal) is a public, globally routable address that a webhook may reach.
 *
 * - IPv4: refused when in any IANA special-purpose range (loopback, private, CGNAT, link-local, `0.0.0.0/8`,
 *   `192.0.0.0/24`, documentation, benchmarking `198.18.0.0/15`, AS112, AMT, the 6to4 relay, `240.0.0.0/4`,
 *   multicast, broadcast).
 * - IPv4-mapped `::ffff:a.b.c.d`: the socket talks IPv4 to `a.b.c.d`, so that address is judged.
 * - NAT64 `64:ff9b::/96`: judged by the IPv4 address it carries, which the NAT64 gateway connects to (DNS64
 *   networks give every IPv4-only receiver such an address, so refusing the range would break them).
 * - Any other IPv6 must be global unicast (`2000::/3`) and outside the special ranges: this refuses loopback,
 *   unspecified, IPv4-compatible `::/96`, IPv4-translated, local-use NAT64 `64:ff9b:1::/48`, discard-only,
 *   unique-local, link-local, site-local `fec0::/10`, multicast, and inside `2000::/3` Teredo `2001::/32`, the IETF
 *   protocol assignments `2001::/23`, 6to4 `2002::/16`, documentation and benchmarking. Teredo and 6to4 are refused
 *   outright rather than judged by their embedded IPv4: where they lead depends on relays outside our control
 *   (both are deprecated), and no receiver needs them.
 */
export function isPublicAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  const ip = ipaddr.parse(address);
  if (ip.kind() === "ipv4") return publicV4(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return publicV4(v6.toIPv4Address());
  if (v6.match(NAT64_WELL_KNOWN)) return publicV4(lowV4(v6));
  return v6.range() === "unicast" && v6.match(GLOBAL_UNICAST);
}
