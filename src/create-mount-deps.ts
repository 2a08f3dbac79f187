import type { AwsApis } from "./aws/aws-apis.ts";
import { createAwsApis } from "./aws/aws-apis.ts";
import { limitAwsApis } from "./aws/limit-aws-apis.ts";
import {
  createPodIdentityAgentApi,
  defaultPodIdentityTimeoutMs,
} from "./aws/pod-identity-agent.ts";
import { createCredentialCache } from "./cache/credential-cache.ts";
import { createValueCache } from "./cache/value-cache.ts";
import type { Config } from "./config.ts";
import { createCachedKubeApi } from "./kube/cached-kube-api.ts";
import { createKubeApi, type KubeRequestEvent } from "./kube/kube-api.ts";
import type { Logger } from "./log.ts";
import type { MountDeps } from "./mount/handle-mount.ts";
import { parseDuration } from "./parse-duration.ts";
import { createIssuerKeys } from "./token/issuer-keys.ts";
import { createTokenProver } from "./token/token-prover.ts";

/** Hooks for observability, wired by `provider.ts`. */
export interface MountDepsOptions {
  onKubeRequest?: (event: KubeRequestEvent) => void;
  /** Cache lookups: `serviceaccount`, `node`, `credentials`, `values`, `tokens` (verified tokens). */
  onCacheLookup?: (cache: string, hit: boolean) => void;
  /** Wraps the AWS ports (e.g. to count calls) before the concurrency limit applies. */
  wrapAws?: (aws: AwsApis) => AwsApis;
}

/**
 * Builds the real adapters and process-wide caches of the mount pipeline from the config.
 * @throws Error when the Kubernetes client cannot be configured (e.g. unreadable CA file)
 */
export function createMountDeps(
  config: Config,
  log: Logger,
  options: MountDepsOptions = {},
): MountDeps {
  if (config.kube.apiUrl === undefined) {
    throw new Error("no Kubernetes API server: set --kube-api-url or KUBERNETES_SERVICE_HOST");
  }
  const kube = createCachedKubeApi(
    createKubeApi({
      baseUrl: config.kube.apiUrl,
      tokenFile: config.kube.tokenFile,
      caFile: config.kube.caFile,
      qps: config.kube.qps,
      burst: config.kube.burst,
      version: config.version,
      ...(options.onKubeRequest ? { onRequest: options.onKubeRequest } : {}),
    }),
    { onCache: (event) => options.onCacheLookup?.(event.cache, event.hit) },
  );
  const wrap = options.wrapAws ?? ((aws: AwsApis) => aws);
  const issuerKeys = createIssuerKeys(kube, {
    // Reads are rate limited by the key set itself, so this is at most one line per 30 s.
    onReadError: (error) =>
      log.warn(
        "Cannot read the service account issuer's keys; until they can be read, every Mount asks " +
          "STS or the Pod Identity agent and nothing cached is served",
        { error },
      ),
    onRead: (usableKeys) => log.debug("Read the service account issuer's keys", { usableKeys }),
  });
  return {
    config,
    kube,
    aws: limitAwsApis(wrap(createAwsApis(config.aws)), config.maxConcurrentAwsCalls),
    podIdentityAgent: createPodIdentityAgentApi({
      url: config.podIdentity.agentUrl,
      httpTimeoutMs: readPodIdentityTimeout(config.podIdentity.httpTimeout, log),
    }),
    credentialCache: createCredentialCache({
      onLookup: (hit) => options.onCacheLookup?.("credentials", hit),
    }),
    valueCache: createValueCache({
      ttlMs: config.cacheTtlMs,
      maxBytes: config.cacheMaxBytes,
      onLookup: (hit) => options.onCacheLookup?.("values", hit),
    }),
    tokenProver: createTokenProver((kid, callOptions) => issuerKeys.find(kid, callOptions), {
      onLookup: (hit) => options.onCacheLookup?.("tokens", hit),
    }),
  };
}

/**
 * Parity: upstream logs a bad `--pod-identity-http-timeout` and keeps the default instead of
 * refusing to start; a typo there should not take every mount on the node down.
 */
function readPodIdentityTimeout(text: string | undefined, log: Logger): number {
  if (text === undefined) return defaultPodIdentityTimeoutMs;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    log.warn("Ignoring invalid --pod-identity-http-timeout; using the default", {
      value: text,
      defaultMs: defaultPodIdentityTimeoutMs,
    });
    return defaultPodIdentityTimeoutMs;
  }
  return ms;
}
