import { describe, expect, it } from "vitest";
import {
  addressAllowed,
  parseAllowlist,
  resolveTarget,
  TargetNotAllowedError,
  type WebhookAllowlist,
} from "./target-policy.js";

const allowlist = (raw: string): WebhookAllowlist => {
  const parsed = parseAllowlist(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
};

describe("webhook target policy", () => {
  const none = allowlist("");

  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
  ])("refuses %s", (address) => {
    expect(addressAllowed(address, none)).toBe(false);
  });

  it.each(["93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(addressAllowed(address, none)).toBe(true);
    },
  );

  it("lets the allowlist open addresses and ranges", () => {
    const allow = allowlist("127.0.0.1, 10.1.0.0/16, fd00::/8");
    expect(addressAllowed("127.0.0.1", allow)).toBe(true);
    expect(addressAllowed("127.0.0.2", allow)).toBe(false);
    expect(addressAllowed("10.1.200.3", allow)).toBe(true);
    expect(addressAllowed("10.2.0.1", allow)).toBe(false);
    expect(addressAllowed("fd00::5", allow)).toBe(true);
  });

  it("refuses bad allowlist entries", () => {
    expect(parseAllowlist("10.0.0.0/33")).toHaveProperty("error");
    expect(parseAllowlist("http://x")).toHaveProperty("error");
  });

  it("refuses a host when any of its addresses is private, unless the host is allowlisted", async () => {
    const resolve = async () => [
      { address: "93.184.216.34", family: 4 as const },
      { address: "10.0.0.5", family: 4 as const },
    ];
    await expect(resolveTarget(new URL("https://hooks.example/x"), none, resolve)).rejects.toBeInstanceOf(
      TargetNotAllowedError,
    );
    await expect(
      resolveTarget(new URL("https://hooks.example/x"), allowlist("hooks.example"), resolve),
    ).resolves.toHaveLength(2);
    await expect(resolveTarget(new URL("http://[::1]:80/"), none)).rejects.toBeInstanceOf(TargetNotAllowedError);
  });
});
