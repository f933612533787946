import { parseAllowlist, type WebhookAllowlist, type WebhookTargetPolicy } from "@ai-jobs/runtime";
import { describe, expect, it } from "vitest";
import { type ResolvedAddress, resolveTarget, TargetNotAllowedError } from "./target-policy.js";

const allowlist = (raw: string): WebhookAllowlist => {
  const parsed = parseAllowlist(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed;
};
const policy = (raw: string, ports = [80, 443]): WebhookTargetPolicy => ({
  allowlist: allowlist(raw),
  ports: new Set(ports),
});
const answering =
  (...addresses: string[]) =>
  async (): Promise<ResolvedAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("resolveTarget", () => {
  it("refuses a host when any of its addresses is private, unless the host is allowlisted", async () => {
    const resolve = answering("93.184.216.34", "10.0.0.5");
    await expect(resolveTarget(new URL("https://hooks.example/x"), policy(""), resolve)).rejects.toBeInstanceOf(
      TargetNotAllowedError,
    );
    await expect(
      resolveTarget(new URL("https://hooks.example/x"), policy("hooks.example"), resolve),
    ).resolves.toHaveLength(2);
    await expect(resolveTarget(new URL("http://[::1]:80/"), policy(""))).rejects.toBeInstanceOf(TargetNotAllowedError);
  });

  it.each([
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:1",
    "2002:7f00:1::",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "fec0::1",
    "::7f00:1",
    "::ffff:7f00:1",
    "100.64.0.1",
    "198.18.0.1",
    "255.255.255.255",
  ])("refuses a name that resolves to %s", async (address) => {
    await expect(
      resolveTarget(new URL("https://hooks.example/x"), policy(""), answering("93.184.216.34", address)),
    ).rejects.toBeInstanceOf(TargetNotAllowedError);
  });

  it("refuses a port outside the list before resolving, even for an allowlisted host", async () => {
    let resolved = 0;
    const resolve = async (): Promise<ResolvedAddress[]> => {
      resolved++;
      return [{ address: "93.184.216.34", family: 4 }];
    };
    await expect(resolveTarget(new URL("https://hooks.example:8443/x"), policy(""), resolve)).rejects.toThrow(
      TargetNotAllowedError,
    );
    await expect(
      resolveTarget(new URL("http://hooks.example:22/x"), policy("hooks.example"), resolve),
    ).rejects.toBeInstanceOf(TargetNotAllowedError);
    expect(resolved).toBe(0);
    await expect(resolveTarget(new URL("https://hooks.example:8443/x"), policy("", [8443]), resolve)).resolves.toEqual([
      { address: "93.184.216.34", family: 4 },
    ]);
  });
});
