/**
 * The deployment files have no engine to run them here (no Docker daemon, no cluster), so these tests hold them
 * to the code instead: every variable they set must be one the service reads, the configuration they produce must
 * pass the service's own schema, and every port they probe or publish must be the one the service listens on.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { natsAuth } from "@ai-jobs/testkit";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import { configShape as eventsShape } from "../services/events/src/config.js";
import { configShape as gatewayShape } from "../services/gateway/src/config.js";
import { configShape as ingestorShape } from "../services/ingestor/src/config.js";
import { configShape as plannerShape } from "../services/planner/src/config.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

type Shape = Record<string, z.ZodType>;
interface ServiceSpec {
  shape: Shape;
  /** The config key of the port that serves /healthz and /readyz. */
  portKey: "PORT" | "HEALTH_PORT";
  worker: boolean;
}

const SERVICES: Record<string, ServiceSpec> = {
  gateway: { shape: gatewayShape, portKey: "PORT", worker: false },
  events: { shape: eventsShape, portKey: "PORT", worker: false },
  planner: { shape: plannerShape, portKey: "HEALTH_PORT", worker: true },
  ingestor: { shape: ingestorShape, portKey: "HEALTH_PORT", worker: true },
};
const SERVICE_NAMES = Object.keys(SERVICES);

function spec(name: string): ServiceSpec {
  const s = SERVICES[name];
  if (!s) throw new Error(`unknown service ${name}`);
  return s;
}

/** Validates an environment with the service's schema; the issues are in the message so a failure explains itself. */
function parseConfig(name: string, env: Record<string, string>): Record<string, unknown> {
  const result = z.object(spec(name).shape).safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`${name}: configuration rejected: ${issues}`);
  }
  return result.data as Record<string, unknown>;
}

function expectKnownVars(name: string, keys: string[]): void {
  const allowed = new Set(Object.keys(spec(name).shape));
  expect(
    keys.filter((k) => !allowed.has(k)),
    `${name} sets variables its configShape does not define`,
  ).toEqual([]);
}

function durationMs(value: string): number {
  let total = 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001 };
  const matches = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)];
  if (matches.length === 0) throw new Error(`bad duration ${value}`);
  for (const [, n, unit] of matches) total += Number(n) * (units[unit ?? "s"] ?? 0);
  return total;
}

// ---------------------------------------------------------------------------------------------------------------------
// docker-compose.yml

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string[] | string };
  ports?: (string | number | { target: number; published?: string | number })[];
  expose?: (string | number)[];
  depends_on?: Record<string, { condition?: string }> | string[];
  deploy?: { replicas?: number };
  container_name?: string;
  stop_grace_period?: string;
  volumes?: (string | { target?: string; source?: string })[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// `merge: true` resolves the `<<: *anchor` keys Compose understands.
const compose = parse(read("docker-compose.yml"), { merge: true }) as Compose;

function composeService(name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

/** What an operator exports before `docker compose up`: the secrets the file refuses to start without. */
const NATS_KEYS = natsAuth().dotEnv;
const OPERATOR_ENV: Record<string, string> = {
  AUTH_TOKENS: "s3cret-token:acme:admin",
  WEBHOOK_SECRETS: "acme:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  ...NATS_KEYS,
};
/** Variables that hold a credential: Compose must refuse to start without them (`${VAR:?…}`), never default them. */
const SECRET_VARS = ["AUTH_TOKENS", "WEBHOOK_SECRETS", "OPENAI_API_KEY", "MONGO_URL", "NATS_URL", "PG_URL"];
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL/;

/** Compose interpolation with the given host environment: unset `${VAR:-default}` yields its default, `${VAR:?…}` fails. */
function interpolate(value: string, host: Record<string, string> = OPERATOR_ENV): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (match === "$$") return "$";
      const given = host[name ?? bare ?? ""];
      if (given !== undefined && given !== "") return given;
      if (op?.endsWith("-")) return arg ?? "";
      if (op?.endsWith("?")) throw new Error(`\${${name}} is required: ${arg}`);
      return "";
    },
  );
}

/** The environment a container of the service gets, as strings, with `host` as the operator's environment. */
function composeEnv(name: string, host: Record<string, string> = OPERATOR_ENV): Record<string, string> {
  const raw = composeService(name).environment ?? {};
  const env: Record<string, string> = {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((line) => {
        const i = line.indexOf("=");
        return i < 0 ? [line, null] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(raw);
  for (const [key, value] of entries) {
    // A bare key passes the host's value through; with no host environment it is unset.
    if (value === null || value === undefined) continue;
    env[key] = interpolate(String(value), host);
  }
  return env;
}

/** The raw (uninterpolated) value of every variable the compose file sets, per service. */
function rawEnvEntries(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [service, s] of Object.entries(compose.services)) {
    const raw = s.environment ?? {};
    const entries = Array.isArray(raw)
      ? raw.map((line) => [line.split("=")[0] ?? line, line.slice(line.indexOf("=") + 1)] as const)
      : Object.entries(raw).map(([k, v]) => [k, String(v ?? "")] as const);
    for (const [key, value] of entries) out.push([service, key, value]);
  }
  return out;
}

function healthcheckUrl(name: string): URL {
  const test = composeService(name).healthcheck?.test;
  const text = Array.isArray(test) ? test.join(" ") : (test ?? "");
  const match = /https?:\/\/[^'"\s)]+/.exec(text);
  if (!match) throw new Error(`${name} has no HTTP healthcheck`);
  return new URL(match[0]);
}

/** Container-side ports published to the host. */
function publishedTargets(s: ComposeService): number[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === "object") return p.target;
    const parts = interpolate(String(p)).split("/")[0]?.split(":") ?? [];
    return Number(parts[parts.length - 1]);
  });
}

describe("docker-compose.yml", () => {
  it("builds each service from deploy/Dockerfile with its own SERVICE build arg", () => {
    for (const name of SERVICE_NAMES) {
      const build = composeService(name).build;
      expect(build?.context ?? ".", name).toBe(".");
      expect(build?.dockerfile, name).toBe("deploy/Dockerfile");
      expect(build?.args?.SERVICE, name).toBe(name);
    }
  });

  it("sets only environment variables the service reads", () => {
    for (const name of SERVICE_NAMES) expectKnownVars(name, Object.keys(composeEnv(name)));
  });

  it("gives every service a configuration its schema accepts once the operator set the secrets", () => {
    for (const name of SERVICE_NAMES) expect(() => parseConfig(name, composeEnv(name))).not.toThrow();
  });

  it("refuses to start without the operator's secrets: every credential is required (:?), none has a default", () => {
    const secrets = rawEnvEntries().filter(([, key]) => SECRET_VARS.includes(key) || SECRET_NAME.test(key));
    expect(secrets.map(([, key]) => key)).toEqual(expect.arrayContaining(["AUTH_TOKENS", "WEBHOOK_SECRETS"]));
    for (const [service, key, value] of secrets) {
      // A fixed value or a `:-` default would start the stack with a credential everyone knows.
      if (key === "MONGO_URL" || key === "NATS_URL") {
        expect(value, `${service}.${key}`).not.toMatch(/\/\/[^/@]*:[^/@]*@/);
        continue;
      }
      // A service's NATS seed comes from the per-service variable the operator set (`NATS_<SERVICE>_NKEY_SEED`).
      const variable = key === "NATS_NKEY_SEED" ? `NATS_${service.toUpperCase()}_NKEY_SEED` : key;
      expect(value, `${service}.${key}`).toMatch(new RegExp(`^\\$\\{${variable}:\\?[^}]+\\}$`));
    }
    for (const name of SERVICE_NAMES) expect(() => composeEnv(name, {}), name).toThrow(/NKEY_SEED\} is required/);
    for (const name of ["gateway", "events"]) {
      expect(() => composeEnv(name, NATS_KEYS), name).toThrow(/\$\{AUTH_TOKENS\} is required/);
    }
    expect(() => composeEnv("events", { ...NATS_KEYS, AUTH_TOKENS: "t:acme:admin" })).toThrow(
      /\$\{WEBHOOK_SECRETS\} is required/,
    );
    // No known token is left in the file at all.
    expect(read("docker-compose.yml")).not.toContain("dev-token");
  });

  it("binds the API listeners to every interface of their container, and keeps the internal ones unpublished", () => {
    for (const name of ["gateway", "events"]) {
      const config = parseConfig(name, composeEnv(name));
      expect(config.HOST, name).toBe("0.0.0.0");
      expect(publishedTargets(composeService(name)), name).not.toContain(config.INTERNAL_PORT);
    }
  });

  it("does not set OPENAI_API_KEY, so the planner falls back to the offline provider", () => {
    expect(composeEnv("planner")).not.toHaveProperty("OPENAI_API_KEY");
  });

  it("health-checks /readyz on the port each service listens on", () => {
    for (const name of SERVICE_NAMES) {
      const config = parseConfig(name, composeEnv(name));
      const url = healthcheckUrl(name);
      expect(url.pathname, name).toBe("/readyz");
      expect(["127.0.0.1", "localhost"], name).toContain(url.hostname);
      expect(Number(url.port), name).toBe(config[spec(name).portKey]);
    }
  });

  it("publishes only the gateway's HTTP port and the Jaeger UI to the host", () => {
    const published = Object.entries(compose.services)
      .filter(([, s]) => (s.ports ?? []).length > 0)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(["gateway", "jaeger"]);
    const gatewayConfig = parseConfig("gateway", composeEnv("gateway"));
    expect(publishedTargets(composeService("gateway"))).toEqual([gatewayConfig.PORT]);
    expect(publishedTargets(composeService("jaeger"))).toEqual([16686]);
  });

  it("starts services only once NATS and MongoDB report healthy", () => {
    expect(composeService("nats").healthcheck?.test).toBeDefined();
    expect(composeService("mongo").healthcheck?.test).toBeDefined();
    for (const name of SERVICE_NAMES) {
      const deps = composeService(name).depends_on;
      expect(Array.isArray(deps), `${name} depends_on must carry conditions`).toBe(false);
      const conditions = deps as Record<string, { condition?: string }>;
      expect(conditions.nats?.condition, name).toBe("service_healthy");
      expect(conditions.mongo?.condition, name).toBe("service_healthy");
    }
  });

  it("connects every service to the compose NATS and MongoDB", () => {
    for (const name of SERVICE_NAMES) {
      const config = parseConfig(name, composeEnv(name));
      const nats = new URL(String(config.NATS_URL));
      expect(nats.hostname, name).toBe("nats");
      expect(nats.port || "4222", name).toBe("4222");
      expect(new URL(String(config.MONGO_URL)).hostname, name).toBe("mongo");
    }
  });

  it("points the gateway's SSE proxy at the events service and its port", () => {
    const url = new URL(String(parseConfig("gateway", composeEnv("gateway")).EVENTS_URL));
    expect(url.hostname).toBe("events");
    expect(Number(url.port)).toBe(parseConfig("events", composeEnv("events")).PORT);
  });

  it("runs NATS 2.12 or later with JetStream on a persistent volume and a monitoring healthcheck", () => {
    const nats = composeService("nats");
    const tag = /^nats:(\d+)\.(\d+)/.exec(nats.image ?? "");
    expect(tag, `nats image ${nats.image}`).not.toBeNull();
    const [major, minor] = [Number(tag?.[1]), Number(tag?.[2])];
    expect(major > 2 || (major === 2 && minor >= 12), `nats image ${nats.image}`).toBe(true);

    const args = Array.isArray(nats.command) ? nats.command : (nats.command ?? "").split(/\s+/);
    expect(args.some((a) => a === "-js" || a === "--jetstream")).toBe(true);
    const storeFlag = args.findIndex((a) => a === "-sd" || a === "--store_dir");
    expect(storeFlag).toBeGreaterThanOrEqual(0);
    const storeDir = args[storeFlag + 1];
    const mounts = (nats.volumes ?? []).map((v) => (typeof v === "string" ? v.split(":") : [v.source, v.target]));
    const storeMount = mounts.find(([, target]) => target === storeDir);
    expect(storeMount, `a volume mounted at ${storeDir}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(storeMount?.[0]);

    const monitorFlag = args.findIndex((a) => a === "-m" || a === "--http_port");
    const monitorPort = Number(args[monitorFlag + 1]);
    expect(monitorPort).toBe(8222);
    const url = healthcheckUrl("nats");
    expect(url.pathname).toBe("/healthz");
    expect(Number(url.port)).toBe(monitorPort);
  });

  it("exports every service's traces to Jaeger's OTLP/HTTP receiver", () => {
    const jaeger = composeService("jaeger");
    const jaegerPorts = [...(jaeger.expose ?? []).map(Number), ...publishedTargets(jaeger)];
    expect(jaegerPorts).toContain(4318);
    expect(jaegerPorts).toContain(16686);
    const jaegerEnv = (jaeger.environment ?? {}) as Record<string, unknown>;
    expect(String(jaegerEnv.COLLECTOR_OTLP_ENABLED)).toBe("true");

    for (const [name] of Object.entries(compose.services)) {
      const endpoint = composeEnv(name).OTEL_EXPORTER_OTLP_ENDPOINT;
      if (endpoint === undefined) continue;
      const url = new URL(endpoint);
      expect(url.hostname, name).toBe("jaeger");
      expect(Number(url.port), name).toBe(4318);
    }
    for (const name of SERVICE_NAMES) {
      expect(composeEnv(name).OTEL_EXPORTER_OTLP_ENDPOINT, name).toBeDefined();
      expect(composeEnv(name).OTEL_SERVICE_NAME, name).toBe(name);
    }
  });

  it("runs two replicas of each worker, with no fixed container name or host port", () => {
    for (const name of SERVICE_NAMES.filter((n) => spec(n).worker)) {
      const s = composeService(name);
      expect(s.deploy?.replicas, name).toBe(2);
      expect(s.container_name, name).toBeUndefined();
      expect(s.ports ?? [], name).toEqual([]);
    }
  });

  it("gives each service a stop grace period longer than its shutdown timeout", () => {
    for (const name of SERVICE_NAMES) {
      const grace = composeService(name).stop_grace_period;
      expect(grace, name).toBeDefined();
      const config = parseConfig(name, composeEnv(name));
      expect(durationMs(grace ?? "10s"), name).toBeGreaterThan(Number(config.SHUTDOWN_TIMEOUT_MS));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// deploy/Dockerfile

describe("deploy/Dockerfile", () => {
  const dockerfile = read("deploy/Dockerfile");
  const workspaceDirs = ["libs", "services"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((d) => `${group}/${d}`)
      .filter((d) => existsSync(join(root, d, "package.json"))),
  );

  it("copies every workspace manifest into both npm ci stages", () => {
    for (const dir of workspaceDirs) {
      const copies = dockerfile.split("\n").filter((l) => l.startsWith(`COPY ${dir}/package.json `));
      expect(copies.length, dir).toBe(2);
    }
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it("ships the compiled output of every workspace library a service depends on", () => {
    const libs = new Set<string>();
    const visit = (dir: string) => {
      const pkg = JSON.parse(read(`${dir}/package.json`)) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(pkg.dependencies ?? {})) {
        const lib = workspaceDirs.find((d) => (JSON.parse(read(`${d}/package.json`)) as { name: string }).name === dep);
        if (lib && !libs.has(lib)) {
          libs.add(lib);
          visit(lib);
        }
      }
    };
    for (const name of SERVICE_NAMES) visit(`services/${name}`);
    expect(libs.size).toBeGreaterThan(0);
    for (const lib of libs) expect(dockerfile, lib).toContain(`COPY --from=build /app/${lib}/dist ${lib}/dist`);
    expect(dockerfile).toContain(`COPY --from=build /app/services/\${SERVICE}/dist services/\${SERVICE}/dist`);
  });

  it("builds the web dashboard in the build stage, so the gateway image carries its files", () => {
    const build = dockerfile.slice(0, dockerfile.indexOf("AS runtime"));
    expect(build).toMatch(/^RUN cd libs\/dashboard && node \.\.\/\.\.\/node_modules\/vite\/bin\/vite\.js build$/m);
    expect(build.indexOf("vite.js build")).toBeGreaterThan(build.indexOf("COPY libs libs"));
  });

  it("runs the selected service's entry point as the node user and stops it with SIGTERM", () => {
    expect(dockerfile).toMatch(/^FROM node:24|^ARG NODE_IMAGE=node:24/m);
    expect(dockerfile).toMatch(/^ARG SERVICE$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    const cmd = dockerfile.split("\n").find((l) => l.startsWith("CMD "));
    expect(cmd).toContain("exec node");
    expect(cmd).toContain(`services/\${SERVICE}/dist/main.js`);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// deploy/k8s

interface K8sContainer {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
}
interface K8sDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
  spec?: {
    replicas?: number;
    ports?: { port: number; targetPort?: number | string }[];
    selector?: Record<string, unknown>;
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
    template?: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: K8sContainer[]; terminationGracePeriodSeconds?: number };
    };
  };
}

const k8sFiles = readdirSync(join(root, "deploy/k8s")).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
const k8sDocs: (K8sDoc & { file: string })[] = k8sFiles.flatMap((file) =>
  parseAllDocuments(read(`deploy/k8s/${file}`)).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`deploy/k8s/${file}: ${doc.errors[0]?.message}`);
    const js = doc.toJS() as K8sDoc | null;
    return js ? [{ ...js, file }] : [];
  }),
);
const ofKind = (kind: string) => k8sDocs.filter((d) => d.kind === kind);

function deployment(name: string): K8sDoc & { file: string } {
  const d = ofKind("Deployment").find((x) => x.metadata.name === name);
  if (!d) throw new Error(`no Deployment ${name} in deploy/k8s`);
  return d;
}

function container(name: string): K8sContainer {
  const c = deployment(name).spec?.template?.spec.containers[0];
  if (!c) throw new Error(`Deployment ${name} has no container`);
  return c;
}

/** Resolves a probe or Service port that may name a container port. */
function resolvePort(c: K8sContainer, port: number | string | undefined): number {
  if (typeof port === "number") return port;
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`${c.name}: unknown port ${port}`);
  return named.containerPort;
}

/** The environment a pod gets, with the example Secret standing in for the real one. */
function k8sEnv(name: string): Record<string, string> {
  const c = container(name);
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef?.name ?? from.secretRef?.name;
    const source = k8sDocs.find((d) => (d.kind === "ConfigMap" || d.kind === "Secret") && d.metadata.name === ref);
    if (!source) throw new Error(`${name}: envFrom ${ref} is not defined in deploy/k8s`);
    Object.assign(env, source.data, source.stringData);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value;
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = ofKind("Secret").find((d) => d.metadata.name === ref.name);
    const value = secret?.stringData?.[ref.key];
    if (value !== undefined) env[e.name] = value;
    else if (!ref.optional) throw new Error(`${name}: required secret key ${ref.name}/${ref.key} has no example`);
  }
  return env;
}

describe("deploy/k8s", () => {
  it("has a Deployment for each service in the ai-jobs namespace", () => {
    for (const name of SERVICE_NAMES) expect(deployment(name).metadata.namespace, name).toBe("ai-jobs");
    expect(ofKind("Namespace").map((n) => n.metadata.name)).toContain("ai-jobs");
  });

  it("probes /healthz and /readyz on the port each service's config defaults to", () => {
    for (const name of SERVICE_NAMES) {
      const c = container(name);
      const shape = spec(name).shape;
      const defaultPort = shape[spec(name).portKey]?.parse(undefined);
      expect(typeof defaultPort, name).toBe("number");
      expect(c.livenessProbe?.httpGet?.path, name).toBe("/healthz");
      expect(c.readinessProbe?.httpGet?.path, name).toBe("/readyz");
      expect(resolvePort(c, c.livenessProbe?.httpGet?.port), name).toBe(defaultPort);
      expect(resolvePort(c, c.readinessProbe?.httpGet?.port), name).toBe(defaultPort);
      expect(
        c.ports?.map((p) => p.containerPort),
        name,
      ).toContain(defaultPort);
      // The pod's effective config listens where the probes look.
      expect(parseConfig(name, k8sEnv(name))[spec(name).portKey], name).toBe(defaultPort);
    }
  });

  it("sets only variables each service reads, and the result passes its schema", () => {
    for (const name of SERVICE_NAMES) {
      const env = k8sEnv(name);
      expectKnownVars(name, Object.keys(env));
      expect(() => parseConfig(name, env)).not.toThrow();
    }
  });

  it("binds every listener to the pod's IP, scrapes the internal listener, and routes no Service to it", () => {
    for (const name of SERVICE_NAMES) {
      const config = parseConfig(name, k8sEnv(name));
      const internalKey = spec(name).worker ? "HEALTH_PORT" : "INTERNAL_PORT";
      expect(config.HOST, name).toBe("0.0.0.0");
      if (!spec(name).worker) expect(config.INTERNAL_HOST, name).toBe("0.0.0.0");
      const annotations = deployment(name).spec?.template?.metadata?.annotations ?? {};
      expect(annotations["prometheus.io/path"], name).toBe("/metrics");
      expect(Number(annotations["prometheus.io/port"]), name).toBe(config[internalKey]);
      expect(
        container(name).ports?.map((p) => p.containerPort),
        name,
      ).toContain(config[internalKey]);
      const svc = ofKind("Service").find((s) => s.metadata.name === name);
      const routed = (svc?.spec?.ports ?? []).map((p) => resolvePort(container(name), p.targetPort ?? p.port));
      expect(routed, name).not.toContain(config[internalKey]);
    }
  });

  it("routes the gateway and events Services to their container ports, and EVENTS_URL to events", () => {
    for (const name of ["gateway", "events"]) {
      const svc = ofKind("Service").find((s) => s.metadata.name === name);
      expect(svc, name).toBeDefined();
      const port = svc?.spec?.ports?.[0];
      const config = parseConfig(name, k8sEnv(name));
      expect(resolvePort(container(name), port?.targetPort ?? port?.port), name).toBe(config.PORT);
    }
    const eventsUrl = new URL(String(parseConfig("gateway", k8sEnv("gateway")).EVENTS_URL));
    const eventsSvc = ofKind("Service").find((s) => s.metadata.name === "events");
    expect(eventsUrl.hostname).toBe("events");
    expect(Number(eventsUrl.port)).toBe(eventsSvc?.spec?.ports?.[0]?.port);
  });

  it("runs two worker replicas and autoscales them from two", () => {
    for (const name of SERVICE_NAMES.filter((n) => spec(n).worker)) {
      expect(deployment(name).spec?.replicas, name).toBe(2);
      const hpa = ofKind("HorizontalPodAutoscaler").find((h) => h.spec?.scaleTargetRef?.name === name);
      expect(hpa?.spec?.scaleTargetRef?.kind, name).toBe("Deployment");
      expect(hpa?.spec?.minReplicas, name).toBe(2);
    }
  });

  it("gives pods more termination grace than the services' shutdown timeout", () => {
    for (const name of SERVICE_NAMES) {
      const grace = deployment(name).spec?.template?.spec.terminationGracePeriodSeconds;
      expect(grace, name).toBe(35);
      const config = parseConfig(name, k8sEnv(name));
      expect((grace ?? 30) * 1000, name).toBeGreaterThan(Number(config.SHUTDOWN_TIMEOUT_MS));
    }
  });

  it("applies every manifest but the Secret example through kustomization.yaml", () => {
    const kustomization = ofKind("Kustomization")[0];
    expect(kustomization).toBeDefined();
    const expected = [
      ...new Set(k8sDocs.filter((d) => d.kind !== "Kustomization" && d.kind !== "Secret").map((d) => d.file)),
    ];
    expect([...(kustomization?.resources ?? [])].sort()).toEqual(expected.sort());
    expect(kustomization?.resources ?? []).not.toContain("secret.example.yaml");
  });
});
