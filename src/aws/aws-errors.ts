import { Code } from "../errors.ts";

/** What a failed AWS call means for the mount (SPEC §5.5, §7). */
export interface AwsFailure {
  code: Code;
  /** AWS error code (`AccessDeniedException`), or a transport name (`ECONNREFUSED`, `TimeoutError`). */
  awsCode: string;
  /** AWS's message, which names resources and principals but never secret values. */
  message: string;
  /**
   * Server-side failures (5xx, throttling after retries, timeouts, network) may be answered by the
   * failover region; client errors stop the mount. Upstream calls this `IsFatalError`, inverted.
   */
  isServerSide: boolean;
}

const permissionDenied = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "DecryptionFailure",
  "KMSAccessDeniedException",
  "KMSDisabledException",
  "KMSInvalidStateException",
  "KMSNotFoundException",
]);
const notFound = new Set([
  "ResourceNotFoundException",
  "ParameterNotFound",
  "ParameterVersionNotFound",
]);
// The SDK names STS errors with an `Exception` suffix that the wire code lacks; accept both.
const unauthenticated = new Set([
  "InvalidIdentityToken",
  "InvalidIdentityTokenException",
  "IDPRejectedClaim",
  "IDPRejectedClaimException",
  "ExpiredTokenException",
  "ExpiredToken",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
]);
const throttling = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ThrottledException",
]);
const invalidArgument = new Set([
  "ValidationException",
  "InvalidParameterException",
  "InvalidRequestException",
  "InvalidKeyId",
  "InvalidParameterValue",
  "MalformedPolicyDocument",
  "MalformedPolicyDocumentException",
]);

/**
 * Classifies any error thrown by an AWS SDK v3 call. Reads the SDK's own fields (`name`, `$fault`,
 * `$metadata.httpStatusCode`) and walks `cause` for transport errors, so it also works for errors
 * that never reached AWS. IDP-communication problems are the identity provider's, not the pod's,
 * so they count as server-side.
 */
export function classifyAwsError(error: unknown): AwsFailure {
  const fields = readErrorFields(error);
  const { name, message, fault, status } = fields;
  const failure = (code: Code, isServerSide: boolean): AwsFailure => ({
    code,
    awsCode: name,
    message,
    isServerSide,
  });
  if (throttling.has(name)) return failure(Code.Internal, true);
  if (permissionDenied.has(name)) return failure(Code.PermissionDenied, false);
  if (notFound.has(name)) return failure(Code.NotFound, false);
  if (name.startsWith("IDPCommunicationError")) return failure(Code.Internal, true);
  if (unauthenticated.has(name)) return failure(Code.Unauthenticated, false);
  if (invalidArgument.has(name)) return failure(Code.InvalidArgument, false);
  if (fault === "server" || (status !== undefined && status >= 500)) {
    return failure(Code.Internal, true);
  }
  if (status === 403) return failure(Code.PermissionDenied, false);
  if (status === 404) return failure(Code.NotFound, false);
  if (fault === "client" || (status !== undefined && status >= 400)) {
    return failure(Code.Internal, false);
  }
  // No HTTP answer at all: connection refused or reset, DNS, TLS, socket timeout.
  return failure(Code.Internal, true);
}

function readErrorFields(error: unknown): {
  name: string;
  message: string;
  fault: string | undefined;
  status: number | undefined;
} {
  if (!(error instanceof Error)) {
    return { name: "UnknownError", message: String(error), fault: undefined, status: undefined };
  }
  const record = error as Error & {
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $response?: unknown;
    $responseBodyText?: unknown;
    code?: unknown;
  };
  const response = record.$response as { statusCode?: unknown } | undefined;
  const status =
    typeof record.$metadata?.httpStatusCode === "number"
      ? record.$metadata.httpStatusCode
      : typeof response?.statusCode === "number"
        ? response.statusCode
        : undefined;
  let name = record.name;
  // Node/Bun transport errors carry the useful part in `code` (ECONNREFUSED, ECONNRESET).
  if ((name === "Error" || name === "TypeError") && typeof record.code === "string") {
    name = record.code;
  }
  let message = withoutRuntimeHints(record.message);
  const httpText = status === undefined ? "" : ` (HTTP ${status})`;
  if (
    (record.$response !== undefined || record.$responseBodyText !== undefined) &&
    record.$fault === undefined
  ) {
    // The SDK failed to parse an answer; a parser's message may quote the body, i.e. the secret.
    message = `the answer${httpText} could not be parsed: not an AWS answer (a proxy or load balancer in the way?)`;
  } else if (name === "Unknown" || name === "UnknownError" || message === "Unknown") {
    // The SDK found no AWS error code in the answer, e.g. a proxy's HTML error page.
    name = status === undefined ? "UnknownError" : `HTTP${status}`;
    message = `an answer${httpText} without an AWS error code (a proxy or load balancer in the way?)`;
  } else if (message === "" || message === "UnknownError") {
    message =
      error.cause instanceof Error ? withoutRuntimeHints(error.cause.message) : "no message";
  }
  return {
    name,
    message,
    fault: typeof record.$fault === "string" ? record.$fault : undefined,
    status,
  };
}

/** Drops Bun's developer hint from network errors ("pass `verbose: true` … to fetch()"). */
function withoutRuntimeHints(message: string): string {
  return (
    message.replace(/\.?\s*(For more information, )?pass `verbose: true`.*$/s, "").trim() || message
  );
}
