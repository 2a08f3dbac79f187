import { Code, ProviderError } from "../errors.ts";

/** Resources the provider reads, as named in RBAC rules and URL paths. */
export type KubeResource = "serviceaccounts" | "pods" | "nodes";

/**
 * Non-resource URLs the provider reads, as named in RBAC `nonResourceURLs`: the service account
 * issuer's discovery document and key set (the token proof of SPEC §5.3).
 */
export type KubeNonResourceUrl = "/.well-known/openid-configuration" | "/openid/v1/jwks";

/** One Kubernetes API request, described for error messages. */
export interface KubeErrorContext {
  /** An object's resource, or a non-resource URL (then `namespace` and `name` are unused). */
  resource: KubeResource | KubeNonResourceUrl;
  /** Undefined for cluster-scoped resources (nodes) and non-resource URLs. */
  namespace: string | undefined;
  name: string;
  /** Base URL of the API server (`--kube-api-url`). */
  apiUrl: string;
  /** The provider's own token file (`--kube-token-file`); the path only, never the token. */
  tokenFile: string;
  /** Per-request timeout, to say how long the provider waited. */
  timeoutMs: number;
}

/**
 * A non-2xx answer of the API server. The `Status` object's message is written for humans and names
 * the user and resource, never credentials, so it may be quoted to users.
 */
export class KubeStatusError extends Error {
  override name = "KubeStatusError";
  readonly status: number;
  /** `message` of the `Status` object in the body, when there was one. */
  readonly statusMessage: string | undefined;
  /** `reason` of the `Status` object (`Forbidden`, `NotFound`, ...), when there was one. */
  readonly statusReason: string | undefined;

  constructor(
    status: number,
    details: { message?: string | undefined; reason?: string | undefined } = {},
  ) {
    super(details.message ?? `HTTP ${status}`);
    this.status = status;
    this.statusMessage = details.message;
    this.statusReason = details.reason;
  }
}

/**
 * Builds a {@link KubeStatusError} from an error response, reading the Kubernetes `Status` object
 * when the body is one (proxies in front of the API server may answer with anything).
 */
export function toKubeStatusError(status: number, body: string): KubeStatusError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return new KubeStatusError(status);
  }
  if (readString(parsed, "kind") !== "Status") return new KubeStatusError(status);
  return new KubeStatusError(status, {
    message: readString(parsed, "message"),
    reason: readString(parsed, "reason"),
  });
}

/** The API server answered 2xx with a body that is not the expected object. */
export class KubeResponseError extends Error {
  override name = "KubeResponseError";
}

/** The provider's own token file could not be read. */
export class KubeTokenFileError extends Error {
  override name = "KubeTokenFileError";
}

// Pods are read only to find a pod's node; with NODE_NAME the provider reads its own Node instead.
const forbiddenPodsHint =
  ", or set NODE_NAME on the provider's DaemonSet (downward API spec.nodeName) so it reads its own Node";

const kinds: Record<KubeResource, string> = {
  serviceaccounts: "ServiceAccount",
  pods: "Pod",
  nodes: "Node",
};

// TLS verification codes as reported by Bun's fetch (BoringSSL names, as in Node).
const tlsCodes = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

/**
 * Turns a failed Kubernetes API request into a {@link ProviderError} whose message says what went
 * wrong and how to fix it. Callers handle their own abort first (rethrowing `signal.reason`
 * unchanged), so every timeout seen here is the per-request one.
 *
 * - 403 → PERMISSION_DENIED naming the RBAC rule the provider's ClusterRole lacks
 * - 404 → NOT_FOUND naming the object
 * - 401 (after the retry with a re-read token) → INTERNAL: the provider's own token is at fault,
 *   not the pod's, so UNAUTHENTICATED (reserved for the pod's token) would mislead
 * - other statuses, network, TLS, timeouts, unreadable token file, bad bodies → INTERNAL naming
 *   the API server URL
 *
 * A {@link ProviderError} passes through unchanged.
 */
export function toKubeError(error: unknown, context: KubeErrorContext): ProviderError {
  if (error instanceof ProviderError) return error;
  const { resource, apiUrl } = context;
  const isUrl = isNonResourceUrl(resource);
  const object = isUrl
    ? `"${resource}"`
    : `${kinds[resource]} "${context.namespace === undefined ? "" : `${context.namespace}/`}${context.name}"`;
  const action = `Cannot get ${object} from the Kubernetes API`;
  const rule = isUrl ? `the non-resource URL "${resource}"` : `"${resource}"`;
  const internal = (detail: string, reason: string): ProviderError =>
    new ProviderError(Code.Internal, `${action} at "${apiUrl}": ${detail}`, {
      reason,
      cause: error,
    });

  if (error instanceof KubeStatusError) {
    const serverSays = error.statusMessage === undefined ? "" : `: ${error.statusMessage}`;
    switch (error.status) {
      case 403:
        return new ProviderError(
          Code.PermissionDenied,
          `${action}: forbidden; the provider's ClusterRole needs "get" on ${rule}` +
            (resource === "pods" ? forbiddenPodsHint : "") +
            (error.statusMessage === undefined ? "" : ` (API server: ${error.statusMessage})`),
          { reason: "KubeForbidden", cause: error },
        );
      case 404:
        return new ProviderError(Code.NotFound, `${action}: not found`, {
          reason: "KubeNotFound",
          cause: error,
        });
      case 401:
        return internal(
          `unauthorized: the API server rejected the provider's own service account token read ` +
            `from "${context.tokenFile}", also after re-reading it; check that the token is mounted ` +
            "into the provider's pod (automountServiceAccountToken or a projected volume) and that " +
            "its ServiceAccount still exists",
          "KubeUnauthorized",
        );
      case 429:
        return internal(`throttled by the API server (HTTP 429)${serverSays}`, "KubeThrottled");
      default:
        return internal(`HTTP ${error.status}${serverSays}`, "KubeServerError");
    }
  }
  if (error instanceof KubeResponseError) {
    return internal(`unexpected response: ${error.message}`, "KubeInvalidResponse");
  }
  if (error instanceof KubeTokenFileError) {
    return internal(error.message, "KubeTokenFile");
  }
  const name = readString(error, "name");
  if (name === "TimeoutError") {
    return internal(`no answer within ${context.timeoutMs} ms`, "KubeTimeout");
  }
  const code = readString(error, "code");
  const message = readString(error, "message") ?? String(error);
  if (code !== undefined && tlsCodes.has(code)) {
    return internal(
      `TLS verification failed: ${message} (${code}); check that --kube-ca-file holds the CA ` +
        "bundle of the API server",
      "KubeTls",
    );
  }
  return internal(
    code === undefined || message.includes(code) ? message : `${message} (${code})`,
    "KubeNetwork",
  );
}

function isNonResourceUrl(
  resource: KubeResource | KubeNonResourceUrl,
): resource is KubeNonResourceUrl {
  return resource.startsWith("/");
}

function readString(value: unknown, key: string): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === "string" ? field : undefined;
}
