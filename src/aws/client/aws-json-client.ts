import type { SignatureV4 } from "@smithy/signature-v4";
import type { RetryErrorType, RetryStrategyV2, RetryToken } from "@smithy/types";
import { raceAbort } from "../../async/race-abort.ts";
import type { CallOptions } from "../../call-options.ts";
import type { Redacted } from "../../redacted.ts";
import type { AwsCredentials } from "../aws-credentials.ts";
import {
  type AwsError,
  toAwsError,
  toAwsErrorFromAnswer,
  unparseableAnswer,
} from "../aws-errors.ts";
import { Sha256 } from "./sha256.ts";

/** The SDK pieces a client is made of, loaded with the SDK (`load-aws-sdk.ts`). */
export interface AwsClientParts {
  SignatureV4: typeof SignatureV4;
  /** A fresh retry strategy of the configured mode (the SDK's own standard or adaptive one). */
  createRetryStrategy: () => RetryStrategyV2;
}

/** Options of {@link createAwsJsonClient}. */
export interface AwsJsonClientOptions {
  parts: AwsClientParts;
  /** SigV4 signing name: `secretsmanager`, `ssm`. */
  signingName: string;
  /** Prefix of `X-Amz-Target`: `secretsmanager`, `AmazonSSM`. */
  targetPrefix: string;
  region: string;
  /** The service's endpoint in `region`, as the SDK's endpoint rules resolve it. */
  endpoint: URL;
  credentials: Redacted<AwsCredentials>;
  userAgent: string;
}

/** One service of one region, signing with one identity's credentials (AWS JSON 1.1 protocol). */
export interface AwsJsonClient {
  /**
   * Sends `operation` with `input` as its JSON body, retried as the SDK's retry strategy decides,
   * and returns the parsed answer.
   * @throws AwsError for every failure, or the signal's reason once it aborted
   */
  call(operation: string, input: object, options: CallOptions): Promise<Record<string, unknown>>;
}

// Codes the SDK's retry classification treats as throttling or transient (besides HTTP 429, 5xx).
const throttlingCodes = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);
const transientCodes = new Set(["RequestTimeout", "RequestTimeoutException", "TimeoutError"]);
const transientStatuses = new Set([500, 502, 503, 504]);

/**
 * A lean client for the AWS JSON 1.1 protocol, built from the SDK's own signer (SigV4), endpoint
 * rules (resolved by the caller) and retry strategy, without an SDK client's middleware stack:
 * that stack costs about 0.3 ms of CPU per call, twice what signing, sending and parsing a call
 * cost (README, Performance). The credentials are fixed at creation, so a client can only ever
 * sign for the identity it was made for.
 */
export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const { parts, endpoint, region } = options;
  const { accessKeyId, secretAccessKey, sessionToken } = options.credentials.reveal();
  const signer = new parts.SignatureV4({
    service: options.signingName,
    region,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    sha256: Sha256,
    applyChecksum: false,
  });
  const retry = parts.createRetryStrategy();
  // Both AWS protocols post to the endpoint's path with a trailing slash, as the SDK does.
  const path = endpoint.pathname.endsWith("/") ? endpoint.pathname : `${endpoint.pathname}/`;
  const url = `${endpoint.protocol}//${endpoint.host}${path}`;
  const port = endpoint.port === "" ? undefined : Number(endpoint.port);

  const attempt = async (
    operation: string,
    body: string,
    signal: AbortSignal,
  ): Promise<
    | { ok: true; value: Record<string, unknown> }
    | { ok: false; error: AwsError; type: RetryErrorType }
  > => {
    const signed = await signer.sign({
      method: "POST",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(port === undefined ? {} : { port }),
      path,
      query: {},
      headers: {
        host: endpoint.host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `${options.targetPrefix}.${operation}`,
        "user-agent": options.userAgent,
        "x-amz-user-agent": options.userAgent,
      },
      body,
    });
    let status: number;
    let text: string;
    let errorType: string | null;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: signed.headers,
        body,
        signal,
      });
      status = response.status;
      errorType = response.headers.get("x-amzn-errortype");
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // No (complete) answer: refused, reset, DNS, TLS. Retried like the SDK's transient errors.
      return { ok: false, error: toAwsError(error), type: "TRANSIENT" };
    }
    const parsed = parseJsonObject(text);
    if (status < 300) {
      if (parsed === undefined)
        return { ok: false, error: unparseableAnswer(status), type: "CLIENT_ERROR" };
      return { ok: true, value: parsed };
    }
    const awsCode = errorCode(
      errorType ?? readString(parsed, "__type") ?? readString(parsed, "code"),
    );
    const awsMessage = readString(parsed, "message") ?? readString(parsed, "Message") ?? "";
    const error = toAwsErrorFromAnswer(status, awsCode, awsMessage);
    return { ok: false, error, type: retryErrorType(status, awsCode) };
  };

  return {
    async call(operation, input, { signal }) {
      const body = JSON.stringify(input);
      let token: RetryToken = await retry.acquireInitialRetryToken(operation);
      for (;;) {
        const outcome = await attempt(operation, body, signal);
        if (outcome.ok) {
          retry.recordSuccess(token);
          return outcome.value;
        }
        try {
          token = await raceAbort(
            retry.refreshRetryTokenForRetry(token, { errorType: outcome.type }),
            signal,
          );
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          void error; // the strategy refused another attempt: the last failure stands
          throw outcome.error;
        }
      }
    },
  };
}

/** The retry class of an AWS error answer, as the SDK's classification would give it. */
function retryErrorType(status: number, awsCode: string | undefined): RetryErrorType {
  if (status === 429 || (awsCode !== undefined && throttlingCodes.has(awsCode)))
    return "THROTTLING";
  if (transientStatuses.has(status) || (awsCode !== undefined && transientCodes.has(awsCode)))
    return "TRANSIENT";
  return status >= 500 ? "SERVER_ERROR" : "CLIENT_ERROR";
}

/** `aws.protocoltests#Code:http://…` → `Code`; empty → undefined. */
function errorCode(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const code = raw.split(":")[0]?.split("#").pop()?.trim();
  return code || undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readString(object: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === "string" ? value : undefined;
}
