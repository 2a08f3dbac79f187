import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import {
  type CachedKubeApiOptions,
  createCachedKubeApi,
  type KubeCacheEvent,
} from "./cached-kube-api.ts";
import type { KubeApi, Node, Pod, ServiceAccount } from "./kube-api.ts";

const noSignal = { signal: new AbortController().signal };

/**
 * An in-memory {@link KubeApi} that records its calls. While held, calls wait for `release()` (or
 * their signal); failures are set with `failNext`.
 */
function createRecordingKube() {
  const key = (namespace: string, name: string) => JSON.stringify([namespace, name]);
  const serviceAccounts = new Map<string, ServiceAccount>();
  const pods = new Map<string, Pod>();
  const nodes = new Map<string, Node>();
  const calls: { method: keyof KubeApi; key: string; signal: AbortSignal }[] = [];
  const failures: unknown[] = [];
  let gate = Promise.resolve();
  let openGate = () => {};

  const answer = async <T>(
    method: keyof KubeApi,
    key: string,
    signal: AbortSignal,
    read: () => T | undefined,
  ): Promise<T> => {
    calls.push({ method, key, signal });
    const failure = failures.shift();
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      void gate.then(resolve);
    });
    if (failure !== undefined) throw failure;
    const value = read();
    if (value === undefined) throw new ProviderError(Code.NotFound, `${key} not found`);
    return value;
  };

  const api: KubeApi = {
    getServiceAccount: (namespace, name, { signal }) =>
      answer("getServiceAccount", key(namespace, name), signal, () =>
        serviceAccounts.get(key(namespace, name)),
      ),
    getPod: (namespace, name, { signal }) =>
      answer("getPod", key(namespace, name), signal, () => pods.get(key(namespace, name))),
    getNode: (name, { signal }) => answer("getNode", name, signal, () => nodes.get(name)),
    getIssuerDiscovery: ({ signal }) =>
      answer("getIssuerDiscovery", "", signal, () => ({ issuer: "https://issuer.test" })),
    getIssuerKeySet: ({ signal }) => answer("getIssuerKeySet", "", signal, () => ({ keys: [] })),
  };

  return {
    api,
    calls,
    count: (method: keyof KubeApi) => calls.filter((call) => call.method === method).length,
    putServiceAccount(namespace: string, name: string, annotations: Record<string, string> = {}) {
      serviceAccounts.set(key(namespace, name), { name, namespace, annotations });
    },
    putPod(namespace: string, name: string, nodeName: string) {
      pods.set(key(namespace, name), { name, namespace, nodeName, serviceAccountName: "sa" });
    },
    putNode(name: string, labels: Record<string, string> = {}) {
      nodes.set(name, { name, labels });
    },
    failNext(error: unknown) {
      failures.push(error);
    },
    hold() {
      gate = new Promise((resolve) => {
        openGate = resolve;
      });
    },
    release() {
      openGate();
    },
  };
}

function setUp(options: CachedKubeApiOptions = {}) {
  const kube = createRecordingKube();
  const clock = { now: 0 };
  const events: KubeCacheEvent[] = [];
  const api = createCachedKubeApi(kube.api, {
    now: () => clock.now,
    onCache: (event) => events.push(event),
    ...options,
  });
  return { kube, clock, events, api };
}

const roleArn = "eks.amazonaws.com/role-arn";

describe("createCachedKubeApi()", () => {
  describe("service accounts", () => {
    test("shares one call among 100 concurrent identical requests", async () => {
      const { kube, api } = setUp();
      kube.putServiceAccount("ns", "sa", { [roleArn]: "r1" });
      kube.hold();

      const all = Promise.all(
        Array.from({ length: 100 }, () => api.getServiceAccount("ns", "sa", noSignal)),
      );
      kube.release();
      const results = await all;

      expect(kube.count("getServiceAccount")).toBe(1);
      for (const result of results) expect(result.annotations).toEqual({ [roleArn]: "r1" });
    });

    test("serves the cached object within 30 s", async () => {
      const { kube, clock, api } = setUp();
      kube.putServiceAccount("ns", "sa", { [roleArn]: "r1" });
      await api.getServiceAccount("ns", "sa", noSignal);
      kube.putServiceAccount("ns", "sa", { [roleArn]: "r2" });

      clock.now = 29_999;
      const serviceAccount = await api.getServiceAccount("ns", "sa", noSignal);

      expect(serviceAccount.annotations).toEqual({ [roleArn]: "r1" });
      expect(kube.count("getServiceAccount")).toBe(1);
    });

    test("reads the object again after 30 s", async () => {
      const { kube, clock, api } = setUp();
      kube.putServiceAccount("ns", "sa", { [roleArn]: "r1" });
      await api.getServiceAccount("ns", "sa", noSignal);
      kube.putServiceAccount("ns", "sa", { [roleArn]: "r2" });

      clock.now = 30_000;
      const serviceAccount = await api.getServiceAccount("ns", "sa", noSignal);

      expect(serviceAccount.annotations).toEqual({ [roleArn]: "r2" });
      expect(kube.count("getServiceAccount")).toBe(2);
    });

    test("counts the 30 s from the start of the call that read the object", async () => {
      const { kube, clock, api } = setUp();
      kube.putServiceAccount("ns", "sa");
      kube.hold();
      const first = api.getServiceAccount("ns", "sa", noSignal);
      clock.now = 10_000;
      kube.release();
      await first;

      clock.now = 30_000;
      await api.getServiceAccount("ns", "sa", noSignal);

      expect(kube.count("getServiceAccount")).toBe(2);
    });

    test("honours a shorter TTL", async () => {
      const { kube, clock, api } = setUp({ serviceAccountTtlMs: 1_000 });
      kube.putServiceAccount("ns", "sa");
      await api.getServiceAccount("ns", "sa", noSignal);

      clock.now = 999;
      await api.getServiceAccount("ns", "sa", noSignal);
      clock.now = 1_000;
      await api.getServiceAccount("ns", "sa", noSignal);

      expect(kube.count("getServiceAccount")).toBe(2);
    });

    test("caches nothing with a TTL of 0", async () => {
      const { kube, api } = setUp({ serviceAccountTtlMs: 0 });
      kube.putServiceAccount("ns", "sa");

      await api.getServiceAccount("ns", "sa", noSignal);
      await api.getServiceAccount("ns", "sa", noSignal);

      expect(kube.count("getServiceAccount")).toBe(2);
    });

    test.each([-1, 30_001, Number.NaN])("rejects a TTL of %p at creation", (ttl) => {
      expect(() =>
        createCachedKubeApi(createRecordingKube().api, { serviceAccountTtlMs: ttl }),
      ).toThrow("Kubernetes service account cache TTL must be between 0 and 30000 ms");
    });

    test("keeps namespaces and names apart", async () => {
      const { kube, api } = setUp();
      kube.putServiceAccount("a/b", "c");
      kube.putServiceAccount("a", "b/c");
      kube.putServiceAccount("other", "b/c");

      const results = await Promise.all([
        api.getServiceAccount("a/b", "c", noSignal),
        api.getServiceAccount("a", "b/c", noSignal),
        api.getServiceAccount("other", "b/c", noSignal),
      ]);

      expect(results.map((result) => result.namespace)).toEqual(["a/b", "a", "other"]);
      expect(kube.count("getServiceAccount")).toBe(3);
    });

    test("does not cache a failure, so the next request calls again", async () => {
      const { kube, api } = setUp();
      kube.putServiceAccount("ns", "sa");
      const failure = new ProviderError(Code.Internal, "API server down");
      kube.failNext(failure);
      kube.hold();

      const failed = Promise.allSettled([
        api.getServiceAccount("ns", "sa", noSignal),
        api.getServiceAccount("ns", "sa", noSignal),
      ]);
      kube.release();

      expect(await failed).toEqual([
        { status: "rejected", reason: failure },
        { status: "rejected", reason: failure },
      ]);
      expect((await api.getServiceAccount("ns", "sa", noSignal)).name).toBe("sa");
      expect(kube.count("getServiceAccount")).toBe(2);
    });

    test("returns a frozen copy that callers cannot change for each other", async () => {
      const { kube, api } = setUp();
      kube.putServiceAccount("ns", "sa", { [roleArn]: "r1" });

      const serviceAccount = await api.getServiceAccount("ns", "sa", noSignal);

      expect(Object.isFrozen(serviceAccount)).toBe(true);
      expect(Object.isFrozen(serviceAccount.annotations)).toBe(true);
    });
  });

  describe("nodes", () => {
    test("caches a node until the process ends", async () => {
      const { kube, clock, api } = setUp();
      kube.putNode("n1", { "topology.kubernetes.io/region": "eu-west-1" });
      await api.getNode("n1", noSignal);

      clock.now = 365 * 24 * 3_600_000;
      const node = await api.getNode("n1", noSignal);

      expect(node.labels).toEqual({ "topology.kubernetes.io/region": "eu-west-1" });
      expect(kube.count("getNode")).toBe(1);
    });

    test("shares one call among concurrent identical requests", async () => {
      const { kube, api } = setUp();
      kube.putNode("n1");
      kube.hold();

      const all = Promise.all([api.getNode("n1", noSignal), api.getNode("n1", noSignal)]);
      kube.release();
      await all;

      expect(kube.count("getNode")).toBe(1);
    });

    test("does not cache a failure", async () => {
      const { kube, api } = setUp();

      await expect(api.getNode("n1", noSignal)).rejects.toThrow("n1 not found");
      kube.putNode("n1");

      expect((await api.getNode("n1", noSignal)).name).toBe("n1");
      expect(kube.count("getNode")).toBe(2);
    });
  });

  describe("pods", () => {
    test("shares one call among concurrent identical requests", async () => {
      const { kube, api } = setUp();
      kube.putPod("ns", "p", "n1");
      kube.hold();

      const all = Promise.all([api.getPod("ns", "p", noSignal), api.getPod("ns", "p", noSignal)]);
      kube.release();
      const results = await all;

      expect(results.map((pod) => pod.nodeName)).toEqual(["n1", "n1"]);
      expect(kube.count("getPod")).toBe(1);
    });

    test("never caches a pod, whose name a new pod on another node may reuse", async () => {
      const { kube, api } = setUp();
      kube.putPod("ns", "p", "n1");
      await api.getPod("ns", "p", noSignal);

      kube.putPod("ns", "p", "n2");
      const pod = await api.getPod("ns", "p", noSignal);

      expect(pod.nodeName).toBe("n2");
      expect(kube.count("getPod")).toBe(2);
    });
  });

  describe("cancellation", () => {
    test("rejects only the waiter whose signal aborts, with its own reason", async () => {
      const { kube, api } = setUp();
      kube.putServiceAccount("ns", "sa");
      kube.hold();
      const controller = new AbortController();
      const reason = new Error("mount deadline");

      const leaving = api.getServiceAccount("ns", "sa", { signal: controller.signal });
      const staying = api.getServiceAccount("ns", "sa", noSignal);
      controller.abort(reason);

      await expect(leaving).rejects.toBe(reason);
      expect(kube.calls[0]?.signal.aborted).toBe(false);
      kube.release();
      expect((await staying).name).toBe("sa");
      expect(kube.count("getServiceAccount")).toBe(1);
    });

    test("does not hand the caller's signal to the shared call", async () => {
      const { kube, api } = setUp();
      kube.putPod("ns", "p", "n1");
      const controller = new AbortController();

      await api.getPod("ns", "p", { signal: controller.signal });

      expect(kube.calls[0]?.signal).not.toBe(controller.signal);
    });

    test("aborts the shared call once every waiter has gone and starts afresh", async () => {
      const { kube, api } = setUp();
      kube.putPod("ns", "p", "n1");
      kube.hold();
      const first = new AbortController();
      const second = new AbortController();

      const waiters = [
        api.getPod("ns", "p", { signal: first.signal }),
        api.getPod("ns", "p", { signal: second.signal }),
      ];
      first.abort(new Error("first"));
      expect(kube.calls[0]?.signal.aborted).toBe(false);
      second.abort(new Error("second"));
      const next = api.getPod("ns", "p", noSignal);
      await Promise.allSettled(waiters);
      await Bun.sleep(0);
      // The abandoned call has settled by now; it must not evict the new one.
      const joining = api.getPod("ns", "p", noSignal);

      expect(kube.calls[0]?.signal.aborted).toBe(true);
      kube.release();
      expect((await Promise.all([next, joining])).map((pod) => pod.nodeName)).toEqual(["n1", "n1"]);
      expect(kube.count("getPod")).toBe(2);
    });

    test.each(["getServiceAccount", "getPod", "getNode"] as const)(
      "%s rejects an aborted signal without a call",
      async (method) => {
        const { kube, api, events } = setUp();
        const reason = new Error("cancelled");
        const options = { signal: AbortSignal.abort(reason) };
        const call = {
          getServiceAccount: () => api.getServiceAccount("ns", "sa", options),
          getPod: () => api.getPod("ns", "p", options),
          getNode: () => api.getNode("n1", options),
        }[method];

        await expect(call()).rejects.toBe(reason);
        expect(kube.calls).toHaveLength(0);
        expect(events).toHaveLength(0);
      },
    );
  });

  describe("issuer discovery and key set", () => {
    test("passes every call through: token/issuer-keys.ts keeps them", async () => {
      const { kube, api, events } = setUp();
      await api.getIssuerDiscovery(noSignal);
      await api.getIssuerDiscovery(noSignal);
      await api.getIssuerKeySet(noSignal);
      await api.getIssuerKeySet(noSignal);
      expect(kube.count("getIssuerDiscovery")).toBe(2);
      expect(kube.count("getIssuerKeySet")).toBe(2);
      expect(events).toEqual([]);
    });
  });

  describe("onCache", () => {
    test("reports misses and hits of the service account and node caches, never pods", async () => {
      const { kube, api, events } = setUp();
      kube.putServiceAccount("ns", "sa");
      kube.putNode("n1");
      kube.putPod("ns", "p", "n1");

      await api.getServiceAccount("ns", "sa", noSignal);
      await api.getServiceAccount("ns", "sa", noSignal);
      await api.getNode("n1", noSignal);
      await api.getNode("n1", noSignal);
      await api.getPod("ns", "p", noSignal);

      expect(events).toEqual([
        { cache: "serviceaccount", hit: false },
        { cache: "serviceaccount", hit: true },
        { cache: "node", hit: false },
        { cache: "node", hit: true },
      ]);
    });
  });
});
