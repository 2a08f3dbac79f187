import type { AwsApis } from "../aws/aws-apis.ts";
import type { PodIdentityAgentApi } from "../aws/pod-identity-agent.ts";
import type { CredentialCache } from "../cache/credential-cache.ts";
import { noValueCache, type ValueCache } from "../cache/value-cache.ts";
import type { Config } from "../config.ts";
import { Code, isProviderError, ProviderError } from "../errors.ts";
import type { KubeApi } from "../kube/kube-api.ts";
import type { Logger } from "../log.ts";
import { createSpcReader } from "../spc/create-spc-reader.ts";
import type { TokenProver } from "../token/token-prover.ts";
import { checkTargetPath } from "./check-target-path.ts";
import { fetchSecrets } from "./fetch-secrets.ts";
import type { MountContext } from "./mount-context.ts";
import { type MountRequestFields, readRequest } from "./read-request.ts";
import { type RenderedMount, renderFiles } from "./render-files.ts";
import { resolveIdentity } from "./resolve-identity.ts";
import { resolveRegions } from "./resolve-regions.ts";
import { writeFiles } from "./write-files.ts";

/** The driver rejects answers above its 4 MiB receive limit (SPEC §2). */
export const maxResponseBytes = 4 * 1024 * 1024;
/** Above this a synced Kubernetes Secret cannot hold the files: worth a warning. */
const warnResponseBytes = 1024 * 1024;

/** Dependencies of the mount pipeline, injected by `provider.ts` (real) or tests. */
export interface MountDeps {
  config: Config;
  /** Should be the cached client (ServiceAccounts ≤30 s, nodes forever). */
  kube: KubeApi;
  aws: AwsApis;
  podIdentityAgent: PodIdentityAgentApi;
  credentialCache: CredentialCache;
  valueCache: ValueCache;
  /** Proves a request's token before anything cached for its identity is served (SPEC §5.3). */
  tokenProver: TokenProver;
}

/** What a successful Mount answers; `server/` turns it into a `MountResponse`. */
export type MountResult = RenderedMount;

/**
 * Creates the Mount handler. It runs the stages in pipeline order: request → SPC → regions →
 * identity → fetch → files → write or answer. Every stage either returns typed output or throws
 * `ProviderError`; nothing is fetched before the whole SPC validated.
 */
export function createMountHandler(deps: MountDeps) {
  const { config } = deps;
  const readSpc = createSpcReader();
  return async (request: MountRequestFields, mount: MountContext): Promise<MountResult> => {
    const { log } = mount;

    const params = readRequest(request);
    const target = { kubeletPath: config.kubeletPath, podUid: params.pod.uid || undefined };
    // Provider-writes: a target that can never be written is refused before any AWS call.
    if (!config.driverWritesSecrets) checkTargetPath(params.targetPath, target);
    const spc = readSpc(params.attributes, {
      defaultMode: params.defaultMode,
      awsRegion: config.awsRegion,
      // Once per SPC (the reader caches it), not once per pod and rotation remount.
      onWarnings: (warnings) => {
        for (const warning of warnings) {
          log.warn("SecretProviderClass has a questionable field", {
            where: warning.where,
            problem: warning.message,
          });
        }
      },
    });
    mount.tally.objects = spc.descriptors.length;
    const regions = await mount.during(
      "the node's region from the Kubernetes API",
      resolveRegions(spc.parameters, params.pod, spc.descriptors, {
        awsRegion: config.awsRegion,
        nodeName: config.nodeName,
        kube: deps.kube,
        mount,
      }),
    );
    const identity = await resolveIdentity(params, spc.parameters, regions.primary, {
      ...deps,
      mount,
    });
    let fetched: Awaited<ReturnType<typeof fetchSecrets>>;
    try {
      fetched = await fetchSecrets(spc.descriptors, {
        primary: {
          region: regions.primary,
          apis: deps.aws.forRegion(regions.primary, identity.credentials),
        },
        failover:
          regions.failover === undefined
            ? undefined
            : {
                region: regions.failover,
                apis: deps.aws.forRegion(regions.failover, identity.credentials),
              },
        failoverStrategy: config.failoverStrategy,
        identityKey: identity.key,
        principal: identity.principal,
        secretProviderClass: params.secretProviderClass,
        // Values are served only to the identity that fetched them, so only on a proven token.
        valueCache: identity.isProven ? deps.valueCache : noValueCache,
        useSecretsBatch: config.secretsManagerBatch,
        mount,
        newBatchSignal: () => AbortSignal.timeout(config.mountTimeoutMs),
      });
    } catch (error) {
      // AWS no longer accepts these credentials (revoked, clock skew): fetch new ones next time.
      // Unproven credentials never came from the cache, so they say nothing about its entry.
      if (isProviderError(error) && error.code === Code.Unauthenticated && identity.isProven)
        deps.credentialCache.delete(identity.key);
      throw error;
    }
    const rendered = renderFiles(fetched, {
      maxResponseBytes: config.driverWritesSecrets ? maxResponseBytes : undefined,
    });
    if (config.driverWritesSecrets) checkResponseSize(rendered, log);
    else writeFiles(params.targetPath, rendered.files, target);
    return rendered;
  };
}

/** A Mount handler as returned by {@link createMountHandler}. */
export type MountHandler = ReturnType<typeof createMountHandler>;

/**
 * @throws ProviderError RESOURCE_EXHAUSTED when the answer would not fit the driver's 4 MiB limit
 */
function checkResponseSize(rendered: RenderedMount, log: Logger): void {
  // Path, mode and framing cost a few bytes per file besides the contents.
  let bytes = 0;
  for (const file of rendered.files)
    bytes += file.contents.reveal().byteLength + 2 * file.path.length + 16;
  if (bytes > maxResponseBytes) {
    throw new ProviderError(
      Code.ResourceExhausted,
      `The mounted files add up to ${bytes} bytes, more than the driver's limit of ${maxResponseBytes} bytes: ` +
        "split the objects over several SecretProviderClasses",
      { reason: "ResponseTooLarge" },
    );
  }
  if (bytes > warnResponseBytes) {
    log.warn("Mount response is larger than 1 MiB; a synced Kubernetes Secret cannot hold it", {
      bytes,
    });
  }
}
