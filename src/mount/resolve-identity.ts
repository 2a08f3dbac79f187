import type { AwsApis } from "../aws/aws-apis.ts";
import type { AwsCredentials } from "../aws/aws-credentials.ts";
import { classifyAwsError } from "../aws/aws-errors.ts";
import { Code, ProviderError } from "../errors.ts";
import type { KubeApi } from "../kube/kube-api.ts";
import { Redacted } from "../redacted.ts";
import { tokenAudiences } from "./attribute-keys.ts";
import type { MountParams } from "./read-request.ts";

/** Annotation of a ServiceAccount that names its IAM role (IRSA). */
export const roleArnAnnotation = "eks.amazonaws.com/role-arn";

/** The AWS identity a Mount acts as: always the pod's own. */
export interface PodIdentity {
  /**
   * Identifies who the credentials belong to (auth mode, namespace, service account, role). Caches
   * key on it, so one identity's data is never served to another.
   */
  key: string;
  /** The IAM role the credentials are for. */
  roleArn: string;
  credentials: Redacted<AwsCredentials>;
}

/** Dependencies of {@link resolveIdentity}. */
export interface ResolveIdentityDeps {
  kube: KubeApi;
  aws: AwsApis;
  signal: AbortSignal;
}

/**
 * IRSA (SPEC §4.1–4.2): the pod's `sts.amazonaws.com` token and its ServiceAccount's role annotation
 * are exchanged with STS `AssumeRoleWithWebIdentity` at the regional endpoint.
 * @throws ProviderError FAILED_PRECONDITION when the token audience or the role annotation is missing,
 *   UNAUTHENTICATED when STS rejects the token, PERMISSION_DENIED when the role's trust policy does
 */
export async function resolveIdentity(
  params: MountParams,
  region: string,
  deps: ResolveIdentityDeps,
): Promise<PodIdentity> {
  const { namespace, serviceAccountName } = params.pod;
  const token = readToken(params.tokens, tokenAudiences.irsa);
  const serviceAccount = await deps.kube.getServiceAccount(namespace, serviceAccountName, {
    signal: deps.signal,
  });
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
  const sessionName = toSessionName(`${namespace}.${serviceAccountName}`);
  try {
    const credentials = await deps.aws
      .sts(region)
      .assumeRoleWithWebIdentity({ roleArn, sessionName, token }, { signal: deps.signal });
    return {
      key: `irsa/${namespace}/${serviceAccountName}/${roleArn}`,
      roleArn,
      credentials: new Redacted(credentials),
    };
  } catch (error) {
    if (deps.signal.aborted) throw error;
    throw toStsError(error, {
      roleArn,
      region,
      subject: `system:serviceaccount:${namespace}:${serviceAccountName}`,
    });
  }
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

function toStsError(
  error: unknown,
  context: { roleArn: string; region: string; subject: string },
): ProviderError {
  const failure = classifyAwsError(error);
  const prefix = `Cannot assume role "${context.roleArn}" with the pod's web identity token (STS in "${context.region}"): ${failure.awsCode}: ${failure.message}`;
  let hint = "";
  if (failure.code === Code.PermissionDenied) {
    hint = `; the role's trust policy must allow sts:AssumeRoleWithWebIdentity for "${context.subject}" through the cluster's OIDC provider`;
  } else if (failure.code === Code.Unauthenticated) {
    hint =
      "; check that the cluster's OIDC provider is registered in IAM and the token is not expired";
  }
  // STS rejecting the request itself (e.g. a malformed role ARN) means the annotation is wrong.
  const code = failure.code === Code.InvalidArgument ? Code.FailedPrecondition : failure.code;
  return new ProviderError(code, prefix + hint, { reason: failure.awsCode, cause: error });
}
