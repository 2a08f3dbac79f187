import type { AwsApis } from "../aws/aws-apis.ts";
import type { AwsCredentials } from "../aws/aws-credentials.ts";
import { AwsError } from "../aws/aws-errors.ts";
import type { PodIdentityAgentApi } from "../aws/pod-identity-agent.ts";
import type { CredentialCache, CredentialLoader } from "../cache/credential-cache.ts";
import { countLookup } from "../call-options.ts";
import { Code, ProviderError } from "../errors.ts";
import type { KubeApi } from "../kube/kube-api.ts";
import { Redacted } from "../redacted.ts";
import { tokenAudiences } from "../spc/attribute-keys.ts";
import type { SpcParameters } from "../spc/secret-descriptor.ts";
import type { TokenProver } from "../token/token-prover.ts";
import type { TokenProofFailure } from "../token/verify-jwt.ts";
import type { MountContext } from "./mount-context.ts";
import type { MountParams, PodInfo } from "./read-request.ts";

/** Annotation of a ServiceAccount that names its IAM role (IRSA). */
export const roleArnAnnotation = "eks.amazonaws.com/role-arn";

/** The AWS identity a Mount acts as: always the pod's own. */
export interface PodIdentity {
  /**
   * Identifies who the credentials belong to (auth mode, namespace, service account, role, chained
   * role). Caches key on it, so one identity's data is never served to another.
   */
  key: string;
  /** Who AWS sees, for hints in messages: `role "arn:…"`. */
  principal: string;
  credentials: Redacted<AwsCredentials>;
  /**
   * True when the request's token proved the identity (SPEC §5.3), so `key`'s cached data may be
   * served to it. False: the credentials came straight from STS or the Pod Identity agent for this
   * Mount alone, and nothing cached under `key` may be read, joined or written with them.
   */
  isProven: boolean;
}

/** Dependencies of {@link resolveIdentity}. */
export interface ResolveIdentityDeps {
  kube: KubeApi;
  aws: AwsApis;
  podIdentityAgent: PodIdentityAgentApi;
  credentialCache: CredentialCache;
  tokenProver: TokenProver;
  mount: MountContext;
}

/**
 * The pod's AWS credentials (SPEC §4): IRSA by default — the `sts.amazonaws.com` token and the
 * ServiceAccount's role annotation exchanged with STS `AssumeRoleWithWebIdentity` at the regional
 * endpoint — or EKS Pod Identity with `usePodIdentity`; then `assumeRoleArn` chaining when set.
 * Credentials are cached per identity key until 5 minutes before they expire, and served from
 * there (or from a load in flight) only when the request's token proves the identity: signed by
 * the cluster's service account issuer, unexpired, for the audience, with the pod's ServiceAccount
 * as subject. STS checks the token on every call; the proof keeps that check for a cache hit.
 * Without a proof (a bad token, or the issuer's keys unavailable) the Mount asks STS or the agent
 * itself, which judge the token, and its credentials stay out of the cache.
 * @throws ProviderError FAILED_PRECONDITION when the token audience or the role annotation is missing,
 *   UNAUTHENTICATED when STS rejects the token, PERMISSION_DENIED when a trust policy does
 */
export async function resolveIdentity(
  params: MountParams,
  parameters: SpcParameters,
  region: string,
  deps: ResolveIdentityDeps,
): Promise<PodIdentity> {
  const base = parameters.usePodIdentity
    ? await resolvePodIdentity(params, parameters, deps)
    : await resolveIrsa(params, region, deps);
  const chained = parameters.assumeRole;
  if (chained === undefined) return base;
  const { roleArn, externalId, durationSeconds } = chained;
  const key = JSON.stringify([base.key, "chain", roleArn, externalId ?? "", durationSeconds ?? 0]);
  const sessionName = toSessionName(`${params.pod.namespace}.${params.pod.serviceAccountName}`);
  // Chained credentials are as proven as the credentials that obtained them.
  const credentials = await loadCredentials(
    deps,
    {
      key,
      isProven: base.isProven,
      label: `credentials for assumeRoleArn from STS in "${region}"`,
    },
    (signal) =>
      callSts(
        signal,
        {
          action: `Cannot assume role "${roleArn}" (assumeRoleArn) as ${base.principal}`,
          region,
          trustHint: `the trust policy of "${roleArn}" must allow sts:AssumeRole for ${base.principal}${externalId ? " with this external ID" : ""}, and ${base.principal} needs sts:AssumeRole on it`,
        },
        () =>
          deps.aws
            .sts(region, base.credentials)
            .assumeRole(
              { roleArn, sessionName, externalId, durationSeconds },
              { signal, tally: deps.mount.tally },
            ),
      ),
  );
  return { key, principal: `role "${roleArn}"`, credentials, isProven: base.isProven };
}

async function resolveIrsa(
  params: MountParams,
  region: string,
  deps: ResolveIdentityDeps,
): Promise<PodIdentity> {
  const { namespace, serviceAccountName } = params.pod;
  const token = readToken(params.tokens, tokenAudiences.irsa);
  const serviceAccount = await deps.mount.during(
    `ServiceAccount "${namespace}/${serviceAccountName}" from the Kubernetes API`,
    deps.kube.getServiceAccount(namespace, serviceAccountName, deps.mount),
  );
  const roleArn = serviceAccount.annotations[roleArnAnnotation];
  if (!roleArn) {
    throw new ProviderError(
      Code.FailedPrecondition,
      `ServiceAccount "${namespace}/${serviceAccountName}" has no "${roleArnAnnotation}" annotation: ` +
        "annotate it with the ARN of the IAM role the pod should use (IRSA), or set usePodIdentity " +
        'to "true" in the SecretProviderClass to use EKS Pod Identity',
      { reason: "MissingRoleAnnotation" },
    );
  }
  const key = JSON.stringify(["irsa", namespace, serviceAccountName, roleArn]);
  const sessionName = toSessionName(`${namespace}.${serviceAccountName}`);
  // After the ServiceAccount, whose errors the operator must see first; usually no request at all.
  const isProven = await proveToken(deps, token, tokenAudiences.irsa, params.pod);
  const credentials = await loadCredentials(
    deps,
    { key, isProven, label: `credentials from STS in "${region}"` },
    (signal) =>
      callSts(
        signal,
        {
          action: `Cannot assume role "${roleArn}" with the pod's web identity token`,
          region,
          trustHint: `the role's trust policy must allow sts:AssumeRoleWithWebIdentity for "system:serviceaccount:${namespace}:${serviceAccountName}" through the cluster's OIDC provider`,
        },
        () =>
          deps.aws
            .sts(region)
            .assumeRoleWithWebIdentity(
              { roleArn, sessionName, token },
              { signal, tally: deps.mount.tally },
            ),
      ),
  );
  return { key, principal: `role "${roleArn}"`, credentials, isProven };
}

async function resolvePodIdentity(
  params: MountParams,
  parameters: SpcParameters,
  deps: ResolveIdentityDeps,
): Promise<PodIdentity> {
  const { namespace, serviceAccountName } = params.pod;
  const token = readToken(params.tokens, tokenAudiences.podIdentity);
  // The agent decides the role from the pod identity association of the ServiceAccount.
  const key = JSON.stringify(["pod-identity", namespace, serviceAccountName]);
  // Unproven, the agent's answer is for whatever ServiceAccount the token names: caching it under
  // this key would hand that role to this ServiceAccount's later, proven Mounts.
  const isProven = await proveToken(deps, token, tokenAudiences.podIdentity, params.pod);
  const credentials = await loadCredentials(
    deps,
    { key, isProven, label: "credentials from the EKS Pod Identity agent" },
    async (signal) =>
      new Redacted(
        await deps.podIdentityAgent.fetchCredentials(token, {
          addressType: parameters.preferredAddressType,
          signal,
        }),
      ),
  );
  return {
    key,
    principal: `the role associated with ServiceAccount "${namespace}/${serviceAccountName}" (EKS Pod Identity)`,
    credentials,
    isProven,
  };
}

/**
 * Picks the token of `audience` from the `csi.storage.k8s.io/serviceAccount.tokens` attribute.
 * @throws ProviderError FAILED_PRECONDITION telling the operator to add the audience to the
 *   CSIDriver's `tokenRequests`
 */
export function readToken(
  tokens: Redacted<string> | undefined,
  audience: string,
): Redacted<string> {
  const fix =
    `add {audience: "${audience}"} to spec.tokenRequests of the CSIDriver ` +
    '"secrets-store.csi.k8s.io" (Helm: tokenRequests of the secrets-store-csi-driver chart)';
  if (tokens === undefined || tokens.reveal() === "") {
    throw new ProviderError(
      Code.FailedPrecondition,
      `The driver sent no service account token for audience "${audience}": ${fix}`,
      { reason: "MissingToken" },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(tokens.reveal());
  } catch {
    throw new ProviderError(
      Code.InvalidArgument,
      'Attribute "csi.storage.k8s.io/serviceAccount.tokens" is not valid JSON',
      { reason: "InvalidRequest" },
    );
  }
  const entry =
    parsed !== null && typeof parsed === "object"
      ? (parsed as Record<string, unknown>)[audience]
      : undefined;
  const token =
    entry !== null && typeof entry === "object"
      ? (entry as Record<string, unknown>)["token"]
      : undefined;
  if (typeof token !== "string" || token === "") {
    throw new ProviderError(
      Code.FailedPrecondition,
      `The driver sent no service account token for audience "${audience}": ${fix}`,
      { reason: "MissingToken" },
    );
  }
  return new Redacted(token);
}

/** CloudTrail-friendly session name: `[\w+=,.@-]`, at most 64 characters (STS limits). */
export function toSessionName(text: string): string {
  const cleaned = text.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`.slice(0, 2);
}

// A proof that fails for one of these reasons means a verified token was sent for something else:
// worth a warning. The other reasons (not a JWT, keys unavailable, expired) are routine or logged
// where they arise (the key set read).
const suspiciousProofFailures: ReadonlySet<TokenProofFailure> = new Set([
  "BadSignature",
  "WrongSubject",
  "WrongAudience",
]);

/**
 * Whether `token` proves the pod's ServiceAccount for `audience`. A failed proof never fails the
 * Mount: the caller goes to STS or the agent instead, as upstream does on every Mount.
 */
async function proveToken(
  deps: ResolveIdentityDeps,
  token: Redacted<string>,
  audience: string,
  pod: PodInfo,
): Promise<boolean> {
  const subject = `system:serviceaccount:${pod.namespace}:${pod.serviceAccountName}`;
  const proof = await deps.mount.during(
    "the service account issuer's keys from the Kubernetes API",
    deps.tokenProver.prove(token, { audience, subject }, deps.mount),
  );
  if (proof.ok) return true;
  const details = { audience, reason: proof.reason };
  if (suspiciousProofFailures.has(proof.reason)) {
    deps.mount.log.warn(
      "The pod's token does not prove its ServiceAccount; asking AWS without cached credentials",
      details,
    );
  } else {
    deps.mount.log.debug(
      "The pod's token is not proven; asking AWS without cached credentials",
      details,
    );
  }
  return false;
}

/**
 * The identity's cached credentials, or `load`'s, marked pending under `label` meanwhile. An
 * unproven identity bypasses the cache: `load` runs for this Mount alone and its result is not
 * kept.
 */
function loadCredentials(
  deps: ResolveIdentityDeps,
  target: { key: string; isProven: boolean; label: string },
  load: CredentialLoader,
): Promise<Redacted<AwsCredentials>> {
  if (target.isProven) {
    return deps.mount.during(target.label, deps.credentialCache.get(target.key, deps.mount, load));
  }
  countLookup(deps.mount.tally, false);
  return deps.mount.during(target.label, load(deps.mount.signal));
}

/**
 * Runs one STS exchange. The adapter classified a failure already; this adds which role and
 * which trust it was about.
 */
async function callSts(
  signal: AbortSignal,
  context: StsErrorContext,
  call: () => Promise<AwsCredentials>,
): Promise<Redacted<AwsCredentials>> {
  try {
    return new Redacted(await call());
  } catch (error) {
    if (signal.aborted || !(error instanceof AwsError)) throw error;
    throw withStsContext(error, context);
  }
}

interface StsErrorContext {
  action: string;
  region: string;
  trustHint: string;
}

function withStsContext(error: AwsError, context: StsErrorContext): ProviderError {
  let hint = "";
  if (error.code === Code.PermissionDenied) hint = `; ${context.trustHint}`;
  else if (error.code === Code.Unauthenticated) {
    hint =
      "; check that the cluster's OIDC provider is registered in IAM and the token is not expired";
  }
  return new ProviderError(
    error.code,
    `${context.action} (STS in "${context.region}"): ${error.message}${hint}`,
    { reason: error.awsCode, cause: error },
  );
}
