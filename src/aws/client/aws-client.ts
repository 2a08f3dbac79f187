import type { RetryErrorType, RetryStrategyV2, RetryToken } from "@smithy/types";
import { raceAbort } from "../../async/race-abort.ts";
import type { CallOptions } from "../../call-options.ts";
import type { Redacted } from "../../redacted.ts";
import type { AwsCredentials } from "../aws-credentials.ts";
import { type AwsAnswerOrigin, type AwsError, toAwsError } from "../aws-errors.ts";
import { createSigV4Signer } from "./sign-v4.ts";

/** The SDK pieces a client is made of, loaded with the SDK (`load-aws-sdk.ts`). */
export interface AwsClientParts {
  /** A fresh retry strategy of the configured mode (the SDK's own standard or adaptive one). */
  createRetryStrategy: () => RetryStrategyV2;
}

/** Options of {@link createAwsClient}. */
export interface AwsClientOptions {
  parts: AwsClientParts;
  /** SigV4 signing name: `secretsmanager`, `ssm`, `sts`. */
  signingName: string;
  region: string;
  /** The service's endpoint in `region`, as the SDK's endpoint rules resolve it. */
  endpoint: URL;
  /** The identity every request is signed with; without, requests go unsigned. */
  credentials: Redacted<AwsCredentials> | undefined;
  userAgent: string;
}

/** An AWS answer as it came off the wire. */
export interface AwsAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** The status and request id of an answer (the Query protocol also writes the id in its XML). */
export function originOf(answer: AwsAnswer, requestId?: string): AwsAnswerOrigin {
  return {
    httpStatusCode: answer.status,
    requestId: answer.headers.get("x-amzn-requestid") ?? requestId,
  };
}

/** What a protocol reads off an answer: its value, or a failure and how the SDK would retry it. */
export type AwsOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: AwsError; retry: RetryErrorType };

/** One request of a protocol: its own headers and body, and how to read its answers. */
export interface AwsRequest<T> {
  headers: Record<string, string>;
  body: string;
  /** The retry scope (the SDK uses the operation). */
  operation: string;
  read(answer: AwsAnswer): AwsOutcome<T>;
}

/** One service of one region, signing as one identity (or not at all). */
export interface AwsClient {
  /**
   * Sends `request`, retried as the SDK's retry strategy decides.
   * @throws AwsError for every failure, or the signal's reason once it aborted
   */
  send<T>(request: AwsRequest<T>, options: CallOptions): Promise<T>;
}

/**
 * A lean AWS client: SigV4 signing (`sign-v4.ts`) and the SDK's retry strategy around `fetch`,
 * with the endpoint the SDK's rules resolve, and none of an SDK client's middleware stack, which
 * costs about 0.3 ms of CPU per call, twice what signing, sending and parsing a call cost (README,
 * Performance). The credentials are fixed at creation, so a client can only ever sign for the
 * identity it was made for. The protocols (`json-protocol.ts`, `query-protocol.ts`) make the
 * requests and read the answers.
 */
export function createAwsClient(options: AwsClientOptions): AwsClient {
  const { parts, endpoint, region } = options;
  const retry = parts.createRetryStrategy();
  // How far AWS's clock is ahead of this node's, learnt from an answer refusing the signature's
  // time (as the SDK corrects its clients' `systemClockOffset`).
  let clockOffsetMs = 0;
  // Both AWS protocols post to the endpoint's path with a trailing slash, as the SDK does.
  const path = endpoint.pathname.endsWith("/") ? endpoint.pathname : `${endpoint.pathname}/`;
  const url = `${endpoint.protocol}//${endpoint.host}${path}`;
  const identity = options.credentials?.reveal();
  const sign =
    identity === undefined
      ? undefined
      : createSigV4Signer({ service: options.signingName, region, identity, path });

  const headersOf = (request: AwsRequest<unknown>): Record<string, string> => {
    const headers = {
      host: endpoint.host,
      "user-agent": options.userAgent,
      "x-amz-user-agent": options.userAgent,
      ...request.headers,
    };
    return sign === undefined
      ? headers
      : sign(headers, request.body, new Date(Date.now() + clockOffsetMs));
  };

  const attempt = async <T>(
    request: AwsRequest<T>,
    signal: AbortSignal,
  ): Promise<AwsOutcome<T>> => {
    let answer: AwsAnswer;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: headersOf(request),
        body: request.body,
        signal,
      });
      answer = { status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // No (complete) answer: refused, reset, DNS, TLS. Retried like the SDK's transient errors.
      return { ok: false, error: toAwsError(error), retry: "TRANSIENT" };
    }
    const outcome = request.read(answer);
    if (!outcome.ok && clockSkewCodes.has(outcome.error.awsCode)) {
      const serverMs = Date.parse(answer.headers.get("date") ?? "");
      if (!Number.isNaN(serverMs) && Math.abs(serverMs - Date.now() - clockOffsetMs) > maxSkewMs) {
        clockOffsetMs = serverMs - Date.now();
        // Signed with the corrected time, the next attempt can succeed: retried as transient.
        return { ...outcome, retry: "TRANSIENT" };
      }
    }
    return outcome;
  };

  return {
    async send(request, { signal }) {
      let token: RetryToken = await retry.acquireInitialRetryToken(request.operation);
      for (;;) {
        const outcome = await attempt(request, signal);
        if (outcome.ok) {
          retry.recordSuccess(token);
          return outcome.value;
        }
        try {
          token = await raceAbort(
            retry.refreshRetryTokenForRetry(token, { errorType: outcome.retry }),
            signal,
          );
        } catch {
          if (signal.aborted) throw signal.reason;
          // The strategy refused another attempt: the last failure stands.
          throw outcome.error;
        }
      }
    },
  };
}

// Codes the SDK's retry classification treats as throttling or transient, besides HTTP 429 and
// 5xx (IDPCommunicationError is retryable in STS's model).
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
const transientCodes = new Set([
  "IDPCommunicationError",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);
const transientStatuses = new Set([500, 502, 503, 504]);
// Codes of a signature refused for its time; AWS accepts 5 minutes of skew.
const clockSkewCodes = new Set([
  "AuthFailure",
  "InvalidSignatureException",
  "RequestExpired",
  "RequestInTheFuture",
  "RequestTimeTooSkewed",
  "SignatureDoesNotMatch",
]);
const maxSkewMs = 300_000;

/** The retry class of an AWS error answer, as the SDK's classification gives it. */
export function retryErrorType(status: number, awsCode: string | undefined): RetryErrorType {
  if (status === 429 || (awsCode !== undefined && throttlingCodes.has(awsCode)))
    return "THROTTLING";
  if (transientStatuses.has(status) || (awsCode !== undefined && transientCodes.has(awsCode)))
    return "TRANSIENT";
  return status >= 500 ? "SERVER_ERROR" : "CLIENT_ERROR";
}
