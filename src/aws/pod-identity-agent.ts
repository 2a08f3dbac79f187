import { sleep } from "../async/abortable-sleep.ts";
import { Code, ProviderError } from "../errors.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsCredentials } from "./aws-credentials.ts";

/** Addresses of the EKS Pod Identity agent on every node (SPEC §4.3). */
export const eksAgentUrls = {
  ipv4: "http://169.254.170.23/v1/credentials",
  ipv6: "http://[fd00:ec2::23]/v1/credentials",
} as const;

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
  /** Timeout of one HTTP call. @default 1000 */
  httpTimeoutMs?: number;
  /** Delay before the first retry, doubled each time (with jitter). @default 100 */
  retryBaseMs?: number;
  /** @default globalThis.fetch */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** An agent answer that may change on retry: not ready yet, 5xx, 429, connection refused. */
class RetryableAgentError extends Error {}

/**
 * The agent is often not ready on a fresh node, so connection failures, 429 and 5xx are retried
 * with exponential backoff until the caller's signal (the mount budget) ends. With `auto`, IPv4 is
 * tried first and IPv6 whenever IPv4 cannot connect — a real fallback, unlike upstream.
 * @throws ProviderError PERMISSION_DENIED / UNAUTHENTICATED when the agent refuses the token
 *   (4xx), INTERNAL when it never answered within the budget
 */
export function createPodIdentityAgentApi(
  options: PodIdentityAgentOptions = {},
): PodIdentityAgentApi {
  const urls = options.urls ?? eksAgentUrls;
  const httpTimeoutMs = options.httpTimeoutMs ?? 1000;
  const retryBaseMs = options.retryBaseMs ?? 100;
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
      throw new RetryableAgentError(
        `cannot reach the agent at ${url}: ${(error as Error).message}`,
      );
    }
    const body = await response.text();
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableAgentError(`the agent at ${url} answered HTTP ${response.status}`);
    }
    if (!response.ok) {
      const code =
        response.status === 401 || response.status === 403
          ? Code.PermissionDenied
          : Code.Unauthenticated;
      throw new ProviderError(
        code,
        `The EKS Pod Identity agent refused the pod's token (HTTP ${response.status}): ${toAgentMessage(body, token.reveal())}; ` +
          "check the pod identity association of the pod's ServiceAccount",
        { reason: "PodIdentityRejected" },
      );
    }
    return parseCredentials(body, url);
  };

  return {
    async fetchCredentials(token, { addressType, signal }) {
      let lastError = "no answer yet";
      const giveUp = (attempts: number) =>
        new ProviderError(
          Code.Internal,
          `Cannot get credentials from the EKS Pod Identity agent within the mount deadline after ${attempts} attempts: ${lastError}; check that the eks-pod-identity-agent add-on runs on this node`,
          { reason: "PodIdentityAgentUnavailable" },
        );
      for (let attempt = 0; ; attempt++) {
        for (const url of candidates(addressType)) {
          try {
            return await callOnce(url, token, signal);
          } catch (error) {
            if (signal.aborted) throw giveUp(attempt + 1);
            if (!(error instanceof RetryableAgentError)) throw error;
            lastError = error.message;
          }
        }
        const delay = Math.min(2000, retryBaseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        const slept = await sleep(delay, signal).then(
          () => true,
          () => false,
        );
        if (!slept) throw giveUp(attempt + 1);
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
    throw new RetryableAgentError(
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
