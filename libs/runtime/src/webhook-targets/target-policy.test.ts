import { describe, expect, it } from "vitest";
import { isPublicAddress } from "./public-address.js";
import {
  addressAllowed,
  literalTargetRefusal,
  parseAllowlist,
  type WebhookAllowlist,
  WebhookPortsSetting,
} from "./target-policy.js";

const allowlist = (raw: string): WebhookAllowlist => {
  const parsed = parseAllowlist(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
};
const none = allowlist("");

describe("public addresses", () => {
  it.each([
    // IPv4 special-purpose registry
    ["0.0.0.0/8", "0.1.2.3"],
    ["unspecified", "0.0.0.0"],
    ["10.0.0.0/8", "10.1.2.3"],
    ["CGNAT 100.64.0.0/10", "100.64.0.1"],
    ["CGNAT top", "100.127.255.254"],
    ["loopback", "127.0.0.1"],
    ["loopback /8", "127.255.0.9"],
    ["link-local, cloud metadata", "169.254.169.254"],
    ["172.16.0.0/12", "172.31.255.255"],
    ["192.0.0.0/24", "192.0.0.8"],
    ["TEST-NET-1", "192.0.2.1"],
    ["AS112 192.31.196.0/24", "192.31.196.1"],
    ["AMT 192.52.193.0/24", "192.52.193.1"],
    ["6to4 relay anycast", "192.88.99.1"],
    ["192.168.0.0/16", "192.168.1.1"],
    ["AS112 192.175.48.0/24", "192.175.48.1"],
    ["benchmarking 198.18.0.0/15", "198.19.255.1"],
    ["TEST-NET-2", "198.51.100.7"],
    ["TEST-NET-3", "203.0.113.7"],
    ["multicast", "224.0.0.1"],
    ["multicast top", "239.255.255.250"],
    ["reserved 240.0.0.0/4", "240.0.0.1"],
    ["limited broadcast", "255.255.255.255"],
    // IPv6 special-purpose registry
    ["unspecified", "::"],
    ["loopback", "::1"],
    ["IPv4-compatible loopback", "::7f00:1"],
    ["IPv4-compatible public", "::808:808"],
    ["IPv4-mapped loopback", "::ffff:127.0.0.1"],
    ["IPv4-mapped loopback, hex", "::ffff:7f00:1"],
    ["IPv4-mapped private", "::ffff:10.0.0.1"],
    ["IPv4-mapped metadata", "::ffff:a9fe:a9fe"],
    ["IPv4-translated", "::ffff:0:7f00:1"],
    ["NAT64 of loopback", "64:ff9b::7f00:1"],
    ["NAT64 of private", "64:ff9b::10.0.0.1"],
    ["NAT64 of metadata", "64:ff9b::a9fe:a9fe"],
    ["local-use NAT64", "64:ff9b:1::8.8.8.8"],
    ["discard-only", "100::1"],
    ["Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
    ["Teredo of loopback", "2001::7f00:1"],
    ["IETF protocol assignments", "2001:1::1"],
    ["benchmarking", "2001:2::1"],
    ["ORCHIDv2", "2001:20::1"],
    ["documentation", "2001:db8::1"],
    ["6to4 of loopback", "2002:7f00:1::"],
    ["6to4 of public", "2002:808:808::1"],
    ["documentation 3fff::/20", "3fff::1"],
    ["SRv6 SIDs", "5f00::1"],
    ["unallocated outside 2000::/3", "4000::1"],
    ["unique-local", "fc00::1"],
    ["unique-local fd", "fd12:3456::1"],
    ["site-local", "fec0::1"],
    ["link-local", "fe80::1"],
    ["multicast", "ff02::1"],
    ["not an address", "example.com"],
    ["IPv4 shorthand", "127.1"],
  ])("refuses %s (%s)", (_range, address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(addressAllowed(address, none)).toBe(false);
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "172.32.0.1",
    "100.128.0.1",
    "192.0.1.1",
    "198.20.0.1",
    "2606:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
  ])("allows the public address %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe("webhook allowlist", () => {
  it("opens addresses and ranges, an IPv4 entry matching the IPv4-mapped form too", () => {
    const allow = allowlist("127.0.0.1, 10.1.0.0/16, fd00::/8");
    expect(addressAllowed("127.0.0.1", allow)).toBe(true);
    expect(addressAllowed("::ffff:127.0.0.1", allow)).toBe(true);
    expect(addressAllowed("127.0.0.2", allow)).toBe(false);
    expect(addressAllowed("10.1.200.3", allow)).toBe(true);
    expect(addressAllowed("10.2.0.1", allow)).toBe(false);
    expect(addressAllowed("fd00::5", allow)).toBe(true);
  });

  it("does not open NAT64 or IPv4-compatible forms of an allowlisted IPv4 address (another host on that path)", () => {
    const allow = allowlist("127.0.0.1");
    expect(addressAllowed("64:ff9b::7f00:1", allow)).toBe(false);
    expect(addressAllowed("::7f00:1", allow)).toBe(false);
  });

  it("refuses bad entries", () => {
    expect(parseAllowlist("10.0.0.0/33")).toHaveProperty("error");
    expect(parseAllowlist("http://x")).toHaveProperty("error");
  });
});

describe("webhook ports", () => {
  it("defaults to 80 and 443 and refuses a bad list", () => {
    expect([...WebhookPortsSetting.parse(undefined)]).toEqual([80, 443]);
    expect([...WebhookPortsSetting.parse("443, 8443")]).toEqual([443, 8443]);
    for (const bad of ["", "0", "65536", "80,x", "80.5"]) {
      expect(WebhookPortsSetting.safeParse(bad).success).toBe(false);
    }
  });
});

describe("literal target refusal (the gateway's check at submit)", () => {
  const policy = { allowlist: none, ports: WebhookPortsSetting.parse(undefined) };
  const refusal = (url: string) => literalTargetRefusal(new URL(url), policy);

  it.each([
    ["https://hooks.example.com/x", undefined],
    ["http://hooks.example.com:443/x", undefined],
    ["https://hooks.example.com:8443/x", "port 8443 is not allowed for webhooks"],
    ["http://hooks.example.com:22/x", "port 22 is not allowed for webhooks"],
    ["http://8.8.8.8/", undefined],
    ["http://2130706433/", "the address is not a public address"],
    ["http://0x7f.1/", "the address is not a public address"],
    ["http://[::7f00:1]/", "the address is not a public address"],
    ["http://[::ffff:127.0.0.1]/", "the address is not a public address"],
    ["http://[64:ff9b::7f00:1]/", "the address is not a public address"],
    ["http://[2002:7f00:1::]/", "the address is not a public address"],
    ["http://[fec0::1]/", "the address is not a public address"],
    ["http://LOCALHOST./", "the address is not a public address"],
    ["http://db.localhost/", "the address is not a public address"],
    ["http://internal.corp/", undefined],
  ])("%s: %s", (url, expected) => {
    expect(refusal(url)).toBe(expected);
  });

  it("lets allowlisted hosts and addresses through, the port still checked", () => {
    const open = { allowlist: allowlist("hooks.internal,127.0.0.1"), ports: new Set([80, 8080]) };
    expect(literalTargetRefusal(new URL("http://hooks.internal:8080/"), open)).toBeUndefined();
    expect(literalTargetRefusal(new URL("http://127.0.0.1:8080/"), open)).toBeUndefined();
    expect(literalTargetRefusal(new URL("http://127.0.0.1:9000/"), open)).toBe("port 9000 is not allowed for webhooks");
  });
});
