import { join } from "node:path";
import type { Flags } from "./cli.ts";
import type { LogFormat, LogLevel } from "./log.ts";
import { runtimeName, version } from "./version.ts";

/** AWS endpoint and transport settings taken from the standard SDK variables (SPEC §1). */
export interface AwsTransportConfig {
  /** `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or `AWS_ENDPOINT_URL`). */
  secretsManagerEndpoint: string | undefined;
  /** `AWS_ENDPOINT_URL_SSM` (or `AWS_ENDPOINT_URL`). */
  ssmEndpoint: string | undefined;
  /** `AWS_ENDPOINT_URL_STS` (or `AWS_ENDPOINT_URL`). */
  stsEndpoint: string | undefined;
  useFipsEndpoint: boolean;
  useDualstackEndpoint: boolean;
  /** `AWS_MAX_ATTEMPTS`; the SDK default (3) when unset. */
  maxAttempts: number | undefined;
  /** `AWS_RETRY_MODE`: `standard` or `adaptive`. */
  retryMode: string | undefined;
  /** App id in the user agent: `secrets-store-csi-driver-provider-aws-<version>`. */
  userAgentAppId: string;
}

/** Process configuration, resolved once at start-up and frozen. */
export interface Config {
  version: string;
  /** `<--provider-volume>/aws.sock`. */
  socketPath: string;
  driverWritesSecrets: boolean;
  /** `--kubelet-path`: provider-writes targets must lie under its `pods/` (SPEC §6.2). */
  kubeletPath: string | undefined;
  mountTimeoutMs: number;
  /** `--metrics-address` (`host:port` or `:port`); undefined disables the HTTP listener. */
  metricsAddress: string | undefined;
  /** `--cache-ttl` in ms; 0 disables value caching. */
  cacheTtlMs: number;
  cacheMaxBytes: number;
  failoverStrategy: "parallel" | "on-error";
  secretsManagerBatch: boolean;
  maxConcurrentAwsCalls: number;
  /** `NODE_NAME` (downward API): this node, for the one-lookup region path. */
  nodeName: string | undefined;
  podIdentity: {
    /** `--pod-identity-agent-url`; undefined means the EKS agent addresses. */
    agentUrl: string | undefined;
    /** Raw `--pod-identity-http-timeout`; validated (with a warning) where it is used. */
    httpTimeout: string | undefined;
  };
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** `AWS_REGION`: region fallback when the SPC names none. */
  awsRegion: string | undefined;
  aws: AwsTransportConfig;
  kube: {
    /** Undefined when neither the flag nor `KUBERNETES_SERVICE_HOST` is set. */
    apiUrl: string | undefined;
    tokenFile: string;
    caFile: string;
    qps: number;
    burst: number;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds the frozen {@link Config} from parsed flags and the environment. The only code that reads
 * environment variables; AWS credential variables are deliberately not among them (SPEC §4).
 */
export function loadConfig(flags: Flags, env: Env): Config {
  const nonEmpty = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === "" ? undefined : value;
  };
  const sharedEndpoint = nonEmpty("AWS_ENDPOINT_URL");
  const maxAttempts = Number(nonEmpty("AWS_MAX_ATTEMPTS"));
  const appVersion = flags["eks-addon-version"] || version;
  return Object.freeze({
    version,
    socketPath: join(
      flags["provider-volume"] ?? "/var/run/secrets-store-csi-providers",
      "aws.sock",
    ),
    driverWritesSecrets: flags["driver-writes-secrets"] ?? true,
    kubeletPath: flags["kubelet-path"] || undefined,
    mountTimeoutMs: flags["mount-timeout"] ?? 100_000,
    metricsAddress:
      flags["metrics-address"] === "" ? undefined : (flags["metrics-address"] ?? ":8989"),
    cacheTtlMs: flags["cache-ttl"] ?? 60_000,
    cacheMaxBytes: flags["cache-max-bytes"] ?? 33_554_432,
    failoverStrategy: flags["failover-strategy"] ?? "parallel",
    secretsManagerBatch: flags["secretsmanager-batch"] ?? false,
    maxConcurrentAwsCalls: flags["max-concurrent-aws-calls"] ?? 64,
    nodeName: nonEmpty("NODE_NAME"),
    podIdentity: Object.freeze({
      agentUrl: flags["pod-identity-agent-url"] || undefined,
      httpTimeout: flags["pod-identity-http-timeout"] || undefined,
    }),
    logLevel: flags["log-level"] ?? "info",
    logFormat: flags["log-format"] ?? "json",
    awsRegion: nonEmpty("AWS_REGION"),
    aws: Object.freeze({
      secretsManagerEndpoint: nonEmpty("AWS_ENDPOINT_URL_SECRETS_MANAGER") ?? sharedEndpoint,
      ssmEndpoint: nonEmpty("AWS_ENDPOINT_URL_SSM") ?? sharedEndpoint,
      stsEndpoint: nonEmpty("AWS_ENDPOINT_URL_STS") ?? sharedEndpoint,
      useFipsEndpoint: nonEmpty("AWS_USE_FIPS_ENDPOINT") === "true",
      useDualstackEndpoint: nonEmpty("AWS_USE_DUALSTACK_ENDPOINT") === "true",
      maxAttempts: Number.isInteger(maxAttempts) && maxAttempts > 0 ? maxAttempts : undefined,
      retryMode: nonEmpty("AWS_RETRY_MODE"),
      userAgentAppId: `${runtimeName}-${appVersion}`,
    }),
    kube: Object.freeze({
      apiUrl: flags["kube-api-url"] ?? toInClusterUrl(env),
      tokenFile: flags["kube-token-file"] ?? "/var/run/secrets/kubernetes.io/serviceaccount/token",
      caFile: flags["kube-ca-file"] ?? "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
      qps: flags.qps ?? 5,
      burst: flags.burst ?? 10,
    }),
  });
}

function toInClusterUrl(env: Env): string | undefined {
  const host = env["KUBERNETES_SERVICE_HOST"];
  if (!host) return undefined;
  const port = env["KUBERNETES_SERVICE_PORT"] || "443";
  return `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
