import { sleep } from "../async/abortable-sleep.ts";
import { Code, ProviderError } from "../errors.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";

/** Addresses of the EKS Pod Identity agent on every node (SPEC §4.3). */
export const eksAgentUrls = {
  ipv4: "http://169.254.170.23/v1/credentials",
  ipv6: "http://[fd00:ec2::23]/v1/credentials",
} as const;

/** Timeout of one call to the agent when `--pod-identity-http-timeout` is not set. */
export const defaultPodIdentityTimeoutMs = 1000;

/** `preferredAddressType` of the SPC. */
export type AddressType = "ipv4" | "ipv6" | "auto";

/** The EKS Pod Identity agent (port): exchanges a pod's token for its role's credentials. */
export interface PodIdentityAgentApi {
  fetchCredentials(
    token: Redacted<string>,
    options: { addressType: AddressType; signal: AbortSignal },
  ): Promise<AwsCredentials>;
}

/** Options of {@link createPodIdentityAgentApi}. */
export interface PodIdentityAgentOptions {
  /** `--pod-identity-agent-url`: replaces both addresses. */
  url?: string | undefined;
  /** @default eksAgentUrls */
  urls?: { ipv4: string; ipv6: string };
  /** Timeout of one HTTP call. @default defaultPodIdentityTimeoutMs */
  httpTimeoutMs?: number;
  /** Delay before the first retry, doubled each time (with jitter). @default 100 */
  retryBaseMs?: number;
  /**
   * How long a not-ready agent is retried before the Mount fails (SPEC §4.3: about 10 s; the
   * kubelet retries the Mount anyway, so waiting longer only delays the pod's events).
   * @default 10000
   */
  retryForMs?: number;
  /** @default globalThis.fetch */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** A non-2xx answer of the agent; `detail` is its error text, shortened, the token masked. */
class AgentStatusError extends Error {
  override name = "AgentStatusError";
  constructor(
    readonly url: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`the agent at ${url} answered HTTP ${status}: ${detail}`);
  }
}

/** A 2xx answer of the agent without usable credentials. */
class AgentResponseError extends Error {
  override name = "AgentResponseError";
}

/** What the agent was asked, for {@link toPodIdentityError}. */
export interface PodIdentityErrorContext {
  /** Rounds of calls made so far (each round asks every candidate address). */
  attempts: number;
  /** How long they took. */
  elapsedMs: number;
}

/**
 * Classifies a failed exchange with the EKS Pod Identity agent (SPEC §4.3, §7):
 * - 401 / 403 → PERMISSION_DENIED: the agent knows the token but its association forbids it
 * - other 4xx (not 429) → UNAUTHENTICATED: the agent refused the pod's token itself
 * - 429, 5xx, no connection, timeouts, an answer without credentials → INTERNAL naming the
 *   add-on: the node's agent is not (yet) serving, which is not the pod's fault
 * A {@link ProviderError} passes through unchanged.
 */
export function toPodIdentityError(
  error: unknown,
  context: PodIdentityErrorContext,
): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof AgentStatusError && !isTransient(error)) {
    const code =
      error.status === 401 || error.status === 403 ? Code.PermissionDenied : Code.Unauthenticated;
    return new ProviderError(
      code,
      `The EKS Pod Identity agent refused the pod's token (HTTP ${error.status}): ${error.detail}; ` +
        "check the pod identity association of the pod's ServiceAccount",
      { reason: "PodIdentityRejected", cause: error },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    Code.Internal,
    `Cannot get credentials from the EKS Pod Identity agent after ${context.attempts} attempts in ${(context.elapsedMs / 1000).toFixed(1)}s: ${detail}; check that the eks-pod-identity-agent add-on runs on this node`,
    { reason: "PodIdentityAgentUnavailable", cause: error },
  );
}

/** Whether asking again may help: the agent is not ready yet, overloaded, or unreachable. */
function isTransient(error: unknown): boolean {
  if (error instanceof AgentStatusError) return error.status === 429 || error.status >= 500;
  return true;
}

/**
 * The agent is often not ready on a fresh node, so connection failures, 429 and 5xx are retried
 * with exponential backoff for `retryForMs`, or less when the caller's signal (the mount budget)
 * ends first. With `auto`, IPv4 is
 * tried first and IPv6 whenever IPv4 cannot connect — a real fallback, unlike upstream.
 * @throws ProviderError classified by {@link toPodIdentityError}
 */
export function createPodIdentityAgentApi(
  options: PodIdentityAgentOptions = {},
): PodIdentityAgentApi {
  const urls = options.urls ?? eksAgentUrls;
  const httpTimeoutMs = options.httpTimeoutMs ?? defaultPodIdentityTimeoutMs;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const retryForMs = options.retryForMs ?? 10_000;
  const fetchImpl = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));

  const candidates = (addressType: AddressType): string[] => {
    if (options.url) return [options.url];
    if (addressType === "ipv4") return [urls.ipv4];
    if (addressType === "ipv6") return [urls.ipv6];
    return [urls.ipv4, urls.ipv6];
  };

  const callOnce = async (
    url: string,
    token: Redacted<string>,
    signal: AbortSignal,
  ): Promise<AwsCredentials> => {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { Authorization: token.reveal() },
        signal: AbortSignal.any([signal, AbortSignal.timeout(httpTimeoutMs)]),
      });
    } catch (error) {
      throw new Error(`cannot reach the agent at ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const body = await response.text();
    if (!response.ok)
      throw new AgentStatusError(url, response.status, toAgentMessage(body, token.reveal()));
    return parseCredentials(body, url);
  };

  return {
    async fetchCredentials(token, { addressType, signal }) {
      const startedAt = performance.now();
      let lastError: unknown = new Error("no answer yet");
      for (let attempt = 1; ; attempt++) {
        const giveUp = (error: unknown) =>
          toPodIdentityError(error, {
            attempts: attempt,
            elapsedMs: performance.now() - startedAt,
          });
        for (const url of candidates(addressType)) {
          try {
            return await callOnce(url, token, signal);
          } catch (error) {
            // An abort says nothing about the agent: report what it said before.
            if (signal.aborted) throw giveUp(lastError);
            if (!isTransient(error)) throw giveUp(error);
            lastError = error;
          }
        }
        const delay = Math.min(2000, retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        if (performance.now() - startedAt + delay > retryForMs) throw giveUp(lastError);
        const slept = await sleep(delay, signal).then(
          () => true,
          () => false,
        );
        if (!slept) throw giveUp(lastError);
      }
    },
  };
}

function parseCredentials(body: string, url: string): AwsCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = record;
  if (typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string") {
    throw new AgentResponseError(
      `the agent at ${url} answered without AccessKeyId and SecretAccessKey`,
    );
  }
  const expiration = typeof Expiration === "string" ? new Date(Expiration) : undefined;
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: typeof Token === "string" ? Token : undefined,
    expiration: expiration && !Number.isNaN(expiration.getTime()) ? expiration : undefined,
  };
}

/** The agent's error text, shortened, with the token masked should the agent echo it. */
function toAgentMessage(body: string, token: string): string {
  const text = (token === "" ? body : body.replaceAll(token, "[redacted]"))
    .trim()
    .replace(/\s+/g, " ");
  return text === "" ? "no message" : text.slice(0, 300);
}
