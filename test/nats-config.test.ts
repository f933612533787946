/**
 * The nats-server authorization every deployment uses is generated from libs/runtime/src/nats-auth/permissions.ts:
 * these tests fail while a checked-in copy differs from the generator (`npm run nats:config` rewrites them), while
 * the real nats-server would refuse it, or while Compose gives a service a seed nats-server does not know.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AUTHORIZATION_FILES, NATS_SERVICES, natsAuthorizationConfig, nkeyEnvOf } from "@ai-jobs/runtime";
import { natsAuth, repoRoot } from "@ai-jobs/testkit";
import { fromSeed } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

const read = (file: string) => readFileSync(join(repoRoot(), file), "utf8");
const natsServerBin = process.env.NATS_SERVER_BIN ?? join(repoRoot(), ".tools", "bin", "nats-server");

describe("the checked-in NATS authorization", () => {
  it.each(AUTHORIZATION_FILES)("%s is what the generator writes", (file) => {
    expect(read(file)).toBe(natsAuthorizationConfig());
  });

  it("is a configuration nats-server accepts, given the users' public keys", () => {
    const check = spawnSync(natsServerBin, ["-c", join(repoRoot(), "deploy/nats/authorization.conf"), "-t"], {
      env: { ...process.env, ...natsAuth().serverEnv },
      encoding: "utf8",
    });
    expect(`${check.stdout}${check.stderr}`).toContain("is valid");
  });
});

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

/** The `.env` an operator makes with `npm run nats:keys`: a fresh key pair per service. */
const operatorEnv = natsAuth().dotEnv;

/** `${VAR:?message}` as Compose reads it from that `.env`; a variable it lacks fails, as Compose would. */
const interpolate = (value: string) =>
  value.replace(/\$\{([A-Z0-9_]+):\?[^}]*\}/g, (_, name: string) => {
    const found = operatorEnv[name];
    if (found === undefined) throw new Error(`Compose would stop: ${name} is not set`);
    return found;
  });

describe("docker-compose.yml", () => {
  const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, ComposeService> };
  const nats = compose.services.nats;

  it("starts nats-server with the generated authorization file", () => {
    const args = nats?.command ?? [];
    const file = args[args.indexOf("--config") + 1] ?? "";
    const mount = (nats?.volumes ?? []).map((v) => v.split(":")).find(([, target]) => file.startsWith(`${target}/`));
    expect(mount, `a volume holding ${file}`).toBeDefined();
    expect(join(mount?.[0] ?? "", file.slice((mount?.[1] ?? "").length))).toBe(
      join(".", "deploy/nats/authorization.conf"),
    );
  });

  it.each(NATS_SERVICES)(
    "gives %s the seed whose public key nats-server has for it, from the operator's keys",
    (service) => {
      const seed = interpolate(compose.services[service]?.environment?.NATS_NKEY_SEED ?? "");
      const publicKey = interpolate(nats?.environment?.[nkeyEnvOf(service)] ?? "");
      expect(fromSeed(new TextEncoder().encode(seed)).getPublicKey()).toBe(publicKey);
    },
  );
});

interface K8sContainer {
  env?: { name: string; valueFrom?: { secretKeyRef?: { key: string; optional?: boolean } } }[];
}

describe("deploy/k8s", () => {
  it.each(NATS_SERVICES)("gives %s its own seed from the Secret, as a required key", (service) => {
    const doc = parseAllDocuments(read(`deploy/k8s/${service}.yaml`))
      .map((d) => d.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: K8sContainer[] } } } })
      .find((d) => d.kind === "Deployment");
    const env = doc?.spec?.template?.spec?.containers?.[0]?.env ?? [];
    const ref = env.find((e) => e.name === "NATS_NKEY_SEED")?.valueFrom?.secretKeyRef;
    expect(ref).toEqual({ name: "ai-jobs-secrets", key: `${nkeyEnvOf(service)}_SEED` });
  });
});
