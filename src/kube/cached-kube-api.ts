import { createCoalescer } from "../async/coalescer.ts";
import { createLruCache } from "../cache/lru-cache.ts";
import { countLookup } from "../call-options.ts";
import { Code, ProviderError } from "../errors.ts";
import type { KubeApi, Node, Pod, ServiceAccount } from "./kube-api.ts";

/** One ServiceAccount or Node lookup of {@link createCachedKubeApi}, for metrics. */
export interface KubeCacheEvent {
  cache: "serviceaccount" | "node";
  /**
   * True when the object came from the cache. A lookup that joins an identical call already in
   * flight is a miss.
   */
  hit: boolean;
}

/** Options of {@link createCachedKubeApi}. */
export interface CachedKubeApiOptions {
  /**
   * How long a ServiceAccount may be served from the cache, counted from the start of the call
   * that read it. `0` turns that cache off; identical concurrent calls are still shared.
   * @default 30_000, the most SPEC §5.3 allows
   */
  serviceAccountTtlMs?: number | undefined;
  /**
   * Milliseconds on a monotonic clock.
   * @default performance.now()
   */
  now?: (() => number) | undefined;
  /** Called on every ServiceAccount and Node lookup; must not throw. */
  onCache?: ((event: KubeCacheEvent) => void) | undefined;
  /** ServiceAccounts and Nodes kept each; the least recently used go first. @default 10000 */
  maxEntries?: number | undefined;
}

const maxServiceAccountTtlMs = 30_000;

/**
 * Wraps a {@link KubeApi} with the Kubernetes caches of SPEC §5.3:
 * - ServiceAccounts per namespace and name for `serviceAccountTtlMs`, since their role annotation
 *   may change;
 * - Nodes until the process ends (the `maxEntries` most recently used), since the region labels
 *   of a node never change;
 * - Pods never, since a new pod may reuse a name on another node;
 * - the issuer's discovery document and key set never here: `token/issuer-keys.ts` keeps them,
 *   with the key rotation rules they need.
 *
 * Identical calls in flight at the same time share one call to `inner`, which runs with its own
 * signal: a caller whose signal aborts gets `signal.reason` at once while the others keep waiting,
 * and the shared call is aborted only when every caller has gone. Failures are never cached.
 * Returned objects are frozen because callers share them.
 * @throws ProviderError INTERNAL when `serviceAccountTtlMs` is not between 0 and 30000
 */
export function createCachedKubeApi(inner: KubeApi, options: CachedKubeApiOptions = {}): KubeApi {
  const ttlMs = options.serviceAccountTtlMs ?? maxServiceAccountTtlMs;
  if (!(ttlMs >= 0 && ttlMs <= maxServiceAccountTtlMs)) {
    throw new ProviderError(
      Code.Internal,
      `Kubernetes service account cache TTL must be between 0 and ${maxServiceAccountTtlMs} ms, got ${ttlMs}`,
      { reason: "InvalidKubeConfig" },
    );
  }
  const now = options.now ?? (() => performance.now());
  const onCache = options.onCache;
  const maxEntries = options.maxEntries ?? 10_000;
  const serviceAccounts = createLruCache<ServiceAccount>({ maxEntries, now });
  const nodes = createLruCache<Node>({ maxEntries, now });
  const serviceAccountCalls = createCoalescer<ServiceAccount>();
  const podCalls = createCoalescer<Pod>();
  const nodeCalls = createCoalescer<Node>();

  return {
    getServiceAccount(namespace, name, { signal, tally }) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const key = JSON.stringify([namespace, name]);
      const cached = serviceAccounts.get(key);
      onCache?.({ cache: "serviceaccount", hit: cached !== undefined });
      countLookup(tally, cached !== undefined);
      if (cached !== undefined) return Promise.resolve(cached);
      return serviceAccountCalls.run(key, signal, async (sharedSignal) => {
        const readAt = now();
        const serviceAccount = await inner.getServiceAccount(namespace, name, {
          signal: sharedSignal,
          tally,
        });
        const value = Object.freeze({
          ...serviceAccount,
          annotations: Object.freeze({ ...serviceAccount.annotations }),
        });
        if (ttlMs > 0) serviceAccounts.set(key, value, { expiresAt: readAt + ttlMs });
        return value;
      });
    },
    getPod(namespace, name, { signal, tally }) {
      return podCalls.run(JSON.stringify([namespace, name]), signal, async (sharedSignal) =>
        Object.freeze({
          ...(await inner.getPod(namespace, name, { signal: sharedSignal, tally })),
        }),
      );
    },
    getNode(name, { signal, tally }) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const cached = nodes.get(name);
      onCache?.({ cache: "node", hit: cached !== undefined });
      countLookup(tally, cached !== undefined);
      if (cached !== undefined) return Promise.resolve(cached);
      return nodeCalls.run(name, signal, async (sharedSignal) => {
        const node = await inner.getNode(name, { signal: sharedSignal, tally });
        const value = Object.freeze({ ...node, labels: Object.freeze({ ...node.labels }) });
        nodes.set(name, value);
        return value;
      });
    },
    getIssuerDiscovery: (options) => inner.getIssuerDiscovery(options),
    getIssuerKeySet: (options) => inner.getIssuerKeySet(options),
  };
}
