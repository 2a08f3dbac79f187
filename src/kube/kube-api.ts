import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { Code, ProviderError } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { version as buildVersion, runtimeName } from "../version.ts";
import {
  type KubeErrorContext,
  type KubeResource,
  KubeResponseError,
  KubeTokenFileError,
  toKubeError,
  toKubeStatusError,
} from "./kube-errors.ts";

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

/** Per-call options of {@link KubeApi}. */
export interface KubeCallOptions {
  /** Cancels the call, also while it waits for the client-side rate limit. */
  signal: AbortSignal;
}

/**
 * The Kubernetes API calls the provider makes (a port; {@link createKubeApi} is the REST adapter).
 * Every method throws `ProviderError` (see `toKubeError`), or `signal.reason` when aborted.
 */
export interface KubeApi {
  getServiceAccount(
    namespace: string,
    name: string,
    options: KubeCallOptions,
  ): Promise<ServiceAccount>;
  getPod(namespace: string, name: string, options: KubeCallOptions): Promise<Pod>;
  getNode(name: string, options: KubeCallOptions): Promise<Node>;
}

/** One HTTP request to the API server, for metrics. A 401 retry is a request of its own. */
export interface KubeRequestEvent {
  verb: "get";
  resource: KubeResource;
  /** HTTP status, or `"error"` when no response arrived (network, TLS, timeout, abort). */
  status: number | "error";
  /** Time of the HTTP exchange, without the wait for the rate limit. */
  durationMs: number;
}

/** The `fetch` the adapter calls; Bun's global `fetch` fits. */
export type KubeFetch = (url: string, init: BunFetchRequestInit) => Promise<Response>;

/** Time source of the rate limiter, replaceable in tests. */
export interface KubeClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or rejects with `signal.reason` when the signal aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

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
 * REST adapter of {@link KubeApi}: plain `fetch` with the provider's service-account token, no
 * client library. Requests pass a client-side token bucket (`qps`/`burst`), carry a per-request
 * timeout and are retried once with a freshly read token after a 401, because kubelet rotates
 * projected tokens.
 * @throws ProviderError INTERNAL when the URL or a limit is invalid or the CA file cannot be read
 */
export function createKubeApi(options: KubeApiOptions): KubeApi {
  const settings = toSettings(options);
  const { apiUrl, tokenFile, timeoutMs, clock, onRequest } = settings;
  const limiter = createRateLimiter(settings.qps, settings.burst, clock);
  const tokens = createTokenSource(tokenFile);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const userAgent = `${runtimeName}/${options.version ?? buildVersion}`;

  const send = async (
    path: string,
    resource: KubeResource,
    signal: AbortSignal,
    isRetry: boolean,
  ) => {
    await limiter.take(signal);
    const token = await tokens.read(isRetry);
    const init: BunFetchRequestInit = {
      headers: {
        Accept: "application/json",
        Authorization: `Bearer ${token.reveal()}`,
        "User-Agent": userAgent,
      },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    };
    if (settings.ca !== undefined) init.tls = { ca: settings.ca };
    const startedAt = clock.now();
    let status: number | "error" = "error";
    try {
      const response = await fetchFn(`${apiUrl}${path}`, init);
      status = response.status;
      // The body is read under the same timeout as the headers.
      return { status, body: await response.text() };
    } finally {
      onRequest?.({ verb: "get", resource, status, durationMs: clock.now() - startedAt });
    }
  };

  const get = async <T>(
    target: { resource: KubeResource; namespace: string | undefined; name: string },
    parse: (body: unknown) => T,
    signal: AbortSignal,
  ): Promise<T> => {
    const context: KubeErrorContext = { ...target, apiUrl, tokenFile, timeoutMs };
    const scope =
      target.namespace === undefined
        ? ""
        : `namespaces/${toPathSegment(target.namespace, context)}/`;
    const path = `/api/v1/${scope}${target.resource}/${toPathSegment(target.name, context)}`;
    try {
      let response = await send(path, target.resource, signal, false);
      if (response.status === 401) response = await send(path, target.resource, signal, true);
      if (response.status < 200 || response.status > 299) {
        throw toKubeStatusError(response.status, response.body);
      }
      return parse(parseJson(response.body));
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw toKubeError(error, context);
    }
  };

  return {
    getServiceAccount: (namespace, name, { signal }) =>
      get({ resource: "serviceaccounts", namespace, name }, toServiceAccount, signal),
    getPod: (namespace, name, { signal }) =>
      get({ resource: "pods", namespace, name }, toPod, signal),
    getNode: (name, { signal }) =>
      get({ resource: "nodes", namespace: undefined, name }, toNode, signal),
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
        `Cannot read the Kubernetes API CA bundle "${options.caFile}": ${errorMessage(error)}; ` +
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
    clock: options.clock ?? realClock,
    onRequest: options.onRequest,
  };
}

/**
 * Token bucket holding up to `burst` tokens, refilled at `qps` per second. A request that finds no
 * token reserves the next one and sleeps until it is due, so waiting requests keep their order.
 */
function createRateLimiter(qps: number, burst: number, clock: KubeClock) {
  let tokens = burst;
  let updatedAt = clock.now();
  return {
    async take(signal: AbortSignal): Promise<void> {
      signal.throwIfAborted();
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - updatedAt) * qps) / 1000);
      updatedAt = now;
      tokens -= 1;
      if (tokens >= 0) return;
      try {
        await clock.sleep((-tokens * 1000) / qps, signal);
      } catch (error) {
        // A cancelled request gives its reservation back to the ones still waiting.
        tokens += 1;
        throw error;
      }
    },
  };
}

/**
 * Reads the bearer token, again whenever the file's identity changes. `stat` follows symlinks, so
 * kubelet's swap of the `..data` symlink shows up as a new inode and mtime.
 */
function createTokenSource(path: string) {
  let cached: { key: string; token: Redacted<string> } | undefined;
  return {
    async read(isForced: boolean): Promise<Redacted<string>> {
      try {
        const info = await stat(path);
        const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
        if (!isForced && cached?.key === key) return cached.token;
        const token = (await readFile(path, "utf8")).trim();
        if (token === "") throw new Error("the file is empty");
        cached = { key, token: new Redacted(token) };
        return cached.token;
      } catch (error) {
        throw new KubeTokenFileError(
          `cannot read the provider's service account token from "${path}": ${errorMessage(error)}; ` +
            "check --kube-token-file and the token mount of the provider's pod",
          { cause: error },
        );
      }
    },
  };
}

const realClock: KubeClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};

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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new KubeResponseError("the body is not JSON");
  }
}

function toServiceAccount(body: unknown): ServiceAccount {
  const metadata = readMetadata(body, "ServiceAccount");
  return {
    name: readString(metadata, "name", "metadata"),
    namespace: readString(metadata, "namespace", "metadata"),
    annotations: readStringMap(metadata, "annotations", "metadata"),
  };
}

function toPod(body: unknown): Pod {
  const metadata = readMetadata(body, "Pod");
  const spec = readObject(body, "spec", "");
  const nodeName = readOptionalString(spec, "nodeName", "spec");
  return {
    name: readString(metadata, "name", "metadata"),
    namespace: readString(metadata, "namespace", "metadata"),
    nodeName: nodeName === "" ? undefined : nodeName,
    // The API server defaults it to "default" on admission; older objects may lack it.
    serviceAccountName: readOptionalString(spec, "serviceAccountName", "spec") || "default",
  };
}

function toNode(body: unknown): Node {
  const metadata = readMetadata(body, "Node");
  return {
    name: readString(metadata, "name", "metadata"),
    labels: readStringMap(metadata, "labels", "metadata"),
  };
}

function readMetadata(body: unknown, kind: string): Record<string, unknown> {
  if (!isRecord(body)) throw new KubeResponseError(`expected a ${kind} object`);
  if (body["kind"] !== kind) {
    throw new KubeResponseError(`expected kind "${kind}", got ${JSON.stringify(body["kind"])}`);
  }
  return readObject(body, "metadata", "");
}

function readObject(parent: unknown, key: string, at: string): Record<string, unknown> {
  const value = isRecord(parent) ? parent[key] : undefined;
  if (!isRecord(value)) throw new KubeResponseError(`${join(at, key)} is not an object`);
  return value;
}

function readString(parent: Record<string, unknown>, key: string, at: string): string {
  const value = parent[key];
  if (typeof value !== "string") throw new KubeResponseError(`${join(at, key)} is not a string`);
  return value;
}

function readOptionalString(
  parent: Record<string, unknown>,
  key: string,
  at: string,
): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new KubeResponseError(`${join(at, key)} is not a string`);
  return value;
}

function readStringMap(
  parent: Record<string, unknown>,
  key: string,
  at: string,
): Record<string, string> {
  const value = parent[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new KubeResponseError(`${join(at, key)} is not an object`);
  const entries: [string, string][] = [];
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== "string") {
      throw new KubeResponseError(`${join(at, key)}["${name}"] is not a string`);
    }
    entries.push([name, entry]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays a plain entry.
  return Object.fromEntries(entries);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function join(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}
