import { Code, ProviderError } from "../errors.ts";

/** What an AWS failure is, read off the SDK's error or AWS's own error code. */
export interface AwsErrorFields {
  /** AWS error code (`AccessDeniedException`), or a transport name (`ECONNREFUSED`, `TimeoutError`). */
  awsCode: string;
  /** AWS's message, which names resources and principals but never secret values. */
  awsMessage: string;
  /**
   * Server-side failures (5xx, throttling after retries, timeouts, network) may be answered by the
   * failover region; client errors stop the mount. Upstream calls this `IsFatalError`, inverted.
   */
  isServerSide: boolean;
}

/** Where an error answer came from, for the log (AWS support asks for the request id). */
export interface AwsAnswerOrigin {
  httpStatusCode: number;
  requestId: string | undefined;
}

/**
 * A failed AWS call, classified at the adapter that caught it (SPEC §5.5, §7). Its message is
 * `<awsCode>: <awsMessage>`; the stage that made the call adds which object or role it was for.
 */
export class AwsError extends ProviderError {
  override name = "AwsError";
  readonly awsCode: string;
  readonly awsMessage: string;
  readonly isServerSide: boolean;
  /** Of an error answer read off the wire (logged beside the message). */
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    code: Code,
    fields: AwsErrorFields,
    options: { cause?: unknown; origin?: AwsAnswerOrigin | undefined } = {},
  ) {
    super(code, `${fields.awsCode}: ${fields.awsMessage}`, {
      reason: fields.awsCode,
      cause: options.cause,
    });
    this.awsCode = fields.awsCode;
    this.awsMessage = fields.awsMessage;
    this.isServerSide = fields.isServerSide;
    this.httpStatusCode = options.origin?.httpStatusCode;
    this.requestId = options.origin?.requestId;
  }
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
 * Classifies any error thrown by an AWS SDK v3 call (STS) or by `fetch` (the lean clients'
 * transport), at the adapter that made the call. Reads the SDK's own fields (`name`, `$fault`,
 * `$metadata.httpStatusCode`) and transport error codes, so it also works for errors that never
 * reached AWS:
 * - throttling → INTERNAL, server-side (AWS answers 400, but another region or later may work)
 * - AccessDenied and KMS failures → PERMISSION_DENIED; ResourceNotFound, ParameterNotFound → NOT_FOUND
 * - IDP communication errors → INTERNAL, server-side: the identity provider is at fault, not the pod
 * - rejected tokens and signatures → UNAUTHENTICATED; validation errors → INVALID_ARGUMENT
 * - other 5xx → INTERNAL, server-side; other 403 / 404 → PERMISSION_DENIED / NOT_FOUND
 * - other 4xx → INTERNAL, client-side (no failover: the other region would say the same)
 * - no HTTP answer at all (refused, reset, DNS, TLS, socket timeout) → INTERNAL, server-side
 * An {@link AwsError} passes through unchanged.
 */
export function toAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  const { name: awsCode, message: awsMessage, fault, status } = readErrorFields(error);
  return classify({ awsCode, awsMessage }, status, fault, { cause: error });
}

/**
 * Classifies an error answer of AWS (HTTP status ≥ 300) read off the wire, as {@link toAwsError}
 * does an SDK's error: by its code when the provider knows it, else by the status. An answer
 * without an AWS error code (a proxy's or load balancer's page) is named by its status and never
 * quoted.
 */
export function toAwsErrorFromAnswer(
  origin: AwsAnswerOrigin,
  awsCode: string | undefined,
  awsMessage: string,
): AwsError {
  const status = origin.httpStatusCode;
  const fields =
    awsCode === undefined
      ? {
          awsCode: `HTTP${status}`,
          awsMessage: `an answer (HTTP ${status}) without an AWS error code (a proxy or load balancer in the way?)`,
        }
      : { awsCode, awsMessage: awsMessage || "no message" };
  return classify(fields, status, undefined, { origin });
}

/** A successful answer that is not AWS's JSON: a server-side fault, named without quoting it. */
export function unparseableAnswer(origin: AwsAnswerOrigin): AwsError {
  return new AwsError(
    Code.Internal,
    {
      awsCode: "InvalidResponse",
      awsMessage: `the answer (HTTP ${origin.httpStatusCode}) could not be parsed: not an AWS answer (a proxy or load balancer in the way?)`,
      isServerSide: true,
    },
    { origin },
  );
}

function classify(
  { awsCode, awsMessage }: { awsCode: string; awsMessage: string },
  status: number | undefined,
  fault: string | undefined,
  options: { cause?: unknown; origin?: AwsAnswerOrigin },
): AwsError {
  const known = classifyAwsCode(awsCode, awsMessage);
  if (known !== undefined) return new AwsError(known.code, known.fields, options);
  const failure = (code: Code, isServerSide: boolean) =>
    new AwsError(code, { awsCode, awsMessage, isServerSide }, options);
  if (fault === "server" || (status !== undefined && status >= 500))
    return failure(Code.Internal, true);
  if (status === 403) return failure(Code.PermissionDenied, false);
  if (status === 404) return failure(Code.NotFound, false);
  if (fault === "client" || (status !== undefined && status >= 400))
    return failure(Code.Internal, false);
  return failure(Code.Internal, true);
}

/**
 * Classifies an error AWS reported inside a successful answer, by its code alone: the per-secret
 * `Errors` of BatchGetSecretValue, or the names GetParameters lists as `InvalidParameters`. Codes
 * not in the tables are client errors.
 */
export function toAwsErrorFromCode(awsCode: string, awsMessage: string): AwsError {
  const known = classifyAwsCode(awsCode, awsMessage);
  if (known !== undefined) return new AwsError(known.code, known.fields);
  return new AwsError(Code.Internal, { awsCode, awsMessage, isServerSide: false });
}

/** The mapping of AWS error codes the provider knows by name. */
function classifyAwsCode(
  awsCode: string,
  awsMessage: string,
): { code: Code; fields: AwsErrorFields } | undefined {
  const as = (code: Code, isServerSide: boolean) => ({
    code,
    fields: { awsCode, awsMessage, isServerSide },
  });
  if (throttling.has(awsCode)) return as(Code.Internal, true);
  if (permissionDenied.has(awsCode)) return as(Code.PermissionDenied, false);
  if (notFound.has(awsCode)) return as(Code.NotFound, false);
  if (awsCode.startsWith("IDPCommunicationError")) return as(Code.Internal, true);
  if (unauthenticated.has(awsCode)) return as(Code.Unauthenticated, false);
  if (invalidArgument.has(awsCode)) return as(Code.InvalidArgument, false);
  return undefined;
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
