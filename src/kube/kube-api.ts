import { readFileSync } from "node:fs";
import { createSemaphore } from "../async/create-semaphore.ts";
import { createTokenBucket, systemClock, type TokenBucketClock } from "../async/token-bucket.ts";
import type { CallOptions } from "../call-options.ts";
import { Code, ProviderError, toErrorMessage } from "../errors.ts";
import { version as buildVersion, runtimeName } from "../version.ts";
import {
  type KubeErrorContext,
  type KubeNonResourceUrl,
  type KubeResource,
  KubeResponseError,
  toKubeError,
  toKubeStatusError,
} from "./kube-errors.ts";
import {
  parseIssuerDiscovery,
  parseIssuerKeySet,
  parseNode,
  parsePod,
  parseServiceAccount,
} from "./parse-kube-objects.ts";
import { createTokenSource } from "./token-source.ts";

/** The parts of a ServiceAccount the provider reads. */
export interface ServiceAccount {
  name: string;
  namespace: string;
  annotations: Record<string, string>;
}

/** The parts of a Pod the provider reads. */
export interface Pod {
  name: string;
  namespace: string;
  /** Undefined while the pod is not scheduled. */
  nodeName: string | undefined;
  serviceAccountName: string;
}

/** The parts of a Node the provider reads. */
export interface Node {
  name: string;
  labels: Record<string, string>;
}

/** The service account issuer, as its OpenID discovery document names it. */
export interface IssuerDiscovery {
  /** The `iss` of every service account token the cluster signs. */
  issuer: string;
}

/** The issuer's public keys as JSON Web Keys (RFC 7517), each still to be checked by its user. */
export interface IssuerKeySet {
  keys: readonly Readonly<Record<string, unknown>>[];
}

/**
 * The Kubernetes API calls the provider makes (a port; {@link createKubeApi} is the REST adapter).
 * The signal also cancels the wait for the client-side rate limit. Every method throws
 * `ProviderError` (see `toKubeError`), or `signal.reason` when aborted.
 */
export interface KubeApi {
  getServiceAccount(namespace: string, name: string, options: CallOptions): Promise<ServiceAccount>;
  getPod(namespace: string, name: string, options: CallOptions): Promise<Pod>;
  getNode(name: string, options: CallOptions): Promise<Node>;
  /** The issuer of service account tokens: `GET /.well-known/openid-configuration`. */
  getIssuerDiscovery(options: CallOptions): Promise<IssuerDiscovery>;
  /**
   * The issuer's verification keys: `GET /openid/v1/jwks` of the API server itself, not the
   * discovery document's `jwks_uri`. On EKS that URI names the public OIDC endpoint outside the
   * cluster (`https://oidc.eks.<region>.amazonaws.com/id/…/keys`), which needs internet egress
   * and is throttled; the API server serves the same keys, over the connection the CA file
   * already verifies.
   */
  getIssuerKeySet(options: CallOptions): Promise<IssuerKeySet>;
}

/** One HTTP request to the API server, for metrics. A 401 retry is a request of its own. */
export interface KubeRequestEvent {
  verb: "get";
  /** The object's resource, or the non-resource URL. */
  resource: KubeResource | KubeNonResourceUrl;
  /** HTTP status, or `"error"` when no response arrived (network, TLS, timeout, abort). */
  status: number | "error";
  /** Time of the HTTP exchange, without the wait for the rate limit. */
  durationMs: number;
}

/** The `fetch` the adapter calls; Bun's global `fetch` fits. */
export type KubeFetch = (url: string, init: BunFetchRequestInit) => Promise<Response>;

/** Time source of the rate limiter and of request durations, replaceable in tests. */
export type KubeClock = TokenBucketClock;

/** Options of {@link createKubeApi}. */
export interface KubeApiOptions {
  /** Base URL of the API server, e.g. `https://10.100.0.1:443` (`--kube-api-url`). */
  baseUrl: string;
  /** Bearer token file, re-read when it changes and after a 401 (`--kube-token-file`). */
  tokenFile: string;
  /**
   * CA bundle that verifies an `https` API server, read once here (`--kube-ca-file`). Ignored for
   * `http` URLs.
   * @default undefined: the system trust store
   */
  caFile?: string | undefined;
  /**
   * Sustained requests per second (`--qps`).
   * @default 5
   */
  qps?: number | undefined;
  /**
   * Requests allowed at once above `qps` (`--burst`).
   * @default 10
   */
  burst?: number | undefined;
  /**
   * Limit of one HTTP exchange, on top of the caller's signal.
   * @default 10000
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Version in the user agent `secrets-store-csi-driver-provider-aws/<version>`.
   * @default the version of this build
   */
  version?: string | undefined;
  /** @default globalThis.fetch */
  fetch?: KubeFetch | undefined;
  /** Called after every HTTP request; must not throw. */
  onRequest?: ((event: KubeRequestEvent) => void) | undefined;
  /** @default performance.now() and timers */
  clock?: KubeClock | undefined;
}

/**
 * Requests in flight at once. `fetch` opens a connection, with its TLS handshake, for each request
 * that finds none idle: a burst of 40 new identities held 40 connections to the API server (client-go
 * multiplexes over one HTTP/2 connection). Queued requests wait for a free one instead.
 */
const maxConcurrentRequests = 8;

/**
 * REST adapter of {@link KubeApi}: plain `fetch` with the provider's service-account token, no
 * client library. Requests pass a client-side token bucket (`qps`/`burst`), carry a per-request
 * timeout and are retried once with a freshly read token after a 401, because kubelet rotates
 * projected tokens.
 * @throws ProviderError INTERNAL when the URL or a limit is invalid or the CA file cannot be read
 */
export function createKubeApi(options: KubeApiOptions): KubeApi {
  const settings = toSettings(options);
  const { apiUrl, tokenFile, timeoutMs, clock, onRequest } = settings;
  const limiter = createTokenBucket({ qps: settings.qps, burst: settings.burst, clock });
  const connections = createSemaphore(maxConcurrentRequests);
  const tokens = createTokenSource(tokenFile);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const userAgent = `${runtimeName}/${options.version ?? buildVersion}`;

  const send = async (
    path: string,
    resource: KubeResource | KubeNonResourceUrl,
    { signal, tally }: CallOptions,
    isRetry: boolean,
  ) => {
    await limiter.take(signal);
    if (tally !== undefined) tally.kubeRequests += 1;
    const token = await tokens.read(isRetry);
    const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const init: BunFetchRequestInit = {
      headers: {
        Accept: acceptOf(resource),
        Authorization: `Bearer ${token.reveal()}`,
        "User-Agent": userAgent,
      },
      signal: requestSignal,
    };
    if (settings.ca !== undefined) init.tls = { ca: settings.ca };
    const startedAt = clock.now();
    let status: number | "error" = "error";
    try {
      return await connections.run(requestSignal, async () => {
        const response = await fetchFn(`${apiUrl}${path}`, init);
        status = response.status;
        // The body is read under the same timeout as the headers.
        return { status, body: await response.text() };
      });
    } finally {
      onRequest?.({ verb: "get", resource, status, durationMs: clock.now() - startedAt });
    }
  };

  const request = async <T>(
    path: string,
    context: KubeErrorContext,
    parse: (body: unknown) => T,
    options: CallOptions,
  ): Promise<T> => {
    try {
      let response = await send(path, context.resource, options, false);
      if (response.status === 401) response = await send(path, context.resource, options, true);
      if (response.status < 200 || response.status > 299) {
        throw toKubeStatusError(response.status, response.body);
      }
      return parse(parseJson(response.body));
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw toKubeError(error, context);
    }
  };

  const get = async <T>(
    target: { resource: KubeResource; namespace: string | undefined; name: string },
    parse: (body: unknown) => T,
    options: CallOptions,
  ): Promise<T> => {
    const context: KubeErrorContext = { ...target, apiUrl, tokenFile, timeoutMs };
    const scope =
      target.namespace === undefined
        ? ""
        : `namespaces/${toPathSegment(target.namespace, context)}/`;
    const path = `/api/v1/${scope}${target.resource}/${toPathSegment(target.name, context)}`;
    return request(path, context, parse, options);
  };

  const getUrl = <T>(
    url: KubeNonResourceUrl,
    parse: (body: unknown) => T,
    options: CallOptions,
  ): Promise<T> =>
    request(
      url,
      { resource: url, namespace: undefined, name: "", apiUrl, tokenFile, timeoutMs },
      parse,
      options,
    );

  return {
    getServiceAccount: (namespace, name, options) =>
      get({ resource: "serviceaccounts", namespace, name }, parseServiceAccount, options),
    getPod: (namespace, name, options) =>
      get({ resource: "pods", namespace, name }, parsePod, options),
    getNode: (name, options) =>
      get({ resource: "nodes", namespace: undefined, name }, parseNode, options),
    getIssuerDiscovery: (options) =>
      getUrl("/.well-known/openid-configuration", parseIssuerDiscovery, options),
    getIssuerKeySet: (options) => getUrl("/openid/v1/jwks", parseIssuerKeySet, options),
  };
}

interface Settings {
  apiUrl: string;
  tokenFile: string;
  ca: string | undefined;
  qps: number;
  burst: number;
  timeoutMs: number;
  clock: KubeClock;
  onRequest: ((event: KubeRequestEvent) => void) | undefined;
}

function toSettings(options: KubeApiOptions): Settings {
  const invalid = (message: string) =>
    new ProviderError(Code.Internal, message, { reason: "InvalidKubeConfig" });
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw invalid(`Kubernetes API URL "${options.baseUrl}" is not a URL; check --kube-api-url`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalid(`Kubernetes API URL "${options.baseUrl}" must start with https:// or http://`);
  }
  const qps = options.qps ?? 5;
  const burst = options.burst ?? 10;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  if (!(qps > 0 && Number.isFinite(qps)))
    throw invalid(`Kubernetes qps must be above 0, got ${qps}`);
  if (!(Number.isInteger(burst) && burst >= 1)) {
    throw invalid(`Kubernetes burst must be an integer of at least 1, got ${burst}`);
  }
  if (!(timeoutMs > 0))
    throw invalid(`Kubernetes request timeout must be above 0, got ${timeoutMs}`);
  let ca: string | undefined;
  if (url.protocol === "https:" && options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile, "utf8");
    } catch (error) {
      throw new ProviderError(
        Code.Internal,
        `Cannot read the Kubernetes API CA bundle "${options.caFile}": ${toErrorMessage(error)}; ` +
          "check --kube-ca-file",
        { reason: "InvalidKubeConfig", cause: error },
      );
    }
  }
  return {
    // Keep a path prefix (API servers behind a proxy), drop trailing slashes.
    apiUrl: options.baseUrl.replace(/\/+$/, ""),
    tokenFile: options.tokenFile,
    ca,
    qps,
    burst,
    timeoutMs,
    clock: options.clock ?? systemClock,
    onRequest: options.onRequest,
  };
}

/**
 * The Accept header of a request. The API server's key set route (go-restful) produces only
 * `application/jwk-set+json` (RFC 7517 §8.5.1) and answers 406 to `Accept: application/json`.
 */
function acceptOf(resource: KubeResource | KubeNonResourceUrl): string {
  return resource === "/openid/v1/jwks" ? "application/jwk-set+json" : "application/json";
}

/**
 * URL-encodes one path segment.
 * @throws ProviderError INVALID_ARGUMENT for names URL resolution would treat as a directory step
 */
function toPathSegment(segment: string, context: KubeErrorContext): string {
  // WHATWG URLs resolve "%2e%2e" like "..", so encoding alone cannot keep these in place.
  if (segment === "" || segment === "." || segment === "..") {
    throw new ProviderError(
      Code.InvalidArgument,
      `Cannot get ${context.resource} from the Kubernetes API: "${segment}" is not a valid object name`,
      { reason: "InvalidKubeName" },
    );
  }
  return encodeURIComponent(segment);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new KubeResponseError("the body is not JSON");
  }
}
