import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeKube, createFakeKubeTls, type FakeKube } from "../../test/fakes/fake-kube.ts";
import { createManualClock } from "../../test/helpers/manual-clock.ts";
import { Code, ProviderError } from "../errors.ts";
import {
  createKubeApi,
  type KubeApi,
  type KubeApiOptions,
  type KubeFetch,
  type KubeRequestEvent,
} from "./kube-api.ts";

const token = "fake-kube-token";
const noSignal = { signal: new AbortController().signal };

let dir: string;
let fake: FakeKube;
let files: { tokenFile: string; caFile: string };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kube-api-"));
  fake = await createFakeKube({ validTokens: [token] });
  files = fake.writeClientFiles(dir);
});

afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function createApi(options: Partial<KubeApiOptions> = {}) {
  return createKubeApi({ baseUrl: fake.url, ...files, version: "1.2.3", ...options });
}

/** Awaits a rejection and checks it is a ProviderError that never mentions the bearer token. */
async function expectProviderError(promise: Promise<unknown>, code: Code): Promise<ProviderError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  expect(providerError.code).toBe(code);
  expect(Bun.inspect(providerError)).not.toContain(token);
  return providerError;
}

/** A fetch that answers every request with a Node named after the last path segment. */
function createFetchStub(respond?: (url: string) => Response) {
  const calls: { url: string; init: BunFetchRequestInit }[] = [];
  const fetch: KubeFetch = async (url, init) => {
    calls.push({ url, init });
    const name = decodeURIComponent(url.split("/").at(-1) ?? "");
    return respond?.(url) ?? Response.json({ apiVersion: "v1", kind: "Node", metadata: { name } });
  };
  return { fetch, calls, names: () => calls.map((call) => call.url.split("/").at(-1)) };
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await Bun.sleep(5);
  expect(condition()).toBe(true);
}

describe("createKubeApi()", () => {
  describe("reading objects", () => {
    test("reads a ServiceAccount over TLS verified with the CA file", async () => {
      fake.putServiceAccount("ns", "sa", { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" });

      const serviceAccount = await createApi().getServiceAccount("ns", "sa", noSignal);

      expect(serviceAccount).toEqual({
        name: "sa",
        namespace: "ns",
        annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" },
      });
    });

    test("keeps at most 8 requests in flight, so that a burst reuses a few connections", async () => {
      // fetch opens a connection (a TLS handshake) for every request that finds none idle.
      let inFlight = 0;
      let most = 0;
      const fetch: KubeFetch = async (url) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await Bun.sleep(5);
        inFlight--;
        const name = decodeURIComponent(url.split("/").at(-1) ?? "");
        return Response.json({ kind: "ServiceAccount", metadata: { name, namespace: "ns" } });
      };
      const api = createApi({ fetch, qps: 1000, burst: 1000 });
      const names = Array.from({ length: 40 }, (_, i) => `sa-${i}`);
      const read = await Promise.all(names.map((n) => api.getServiceAccount("ns", n, noSignal)));
      expect(read.map((serviceAccount) => serviceAccount.name)).toEqual(names);
      expect(most).toBe(8);
    });

    test("a request waiting for a free slot still ends at its caller's signal", async () => {
      const release = Promise.withResolvers<void>();
      const fetch: KubeFetch = async () => {
        await release.promise;
        return Response.json({ kind: "ServiceAccount", metadata: { name: "sa", namespace: "ns" } });
      };
      const api = createApi({ fetch, qps: 1000, burst: 1000 });
      const busy = Array.from({ length: 8 }, () => api.getServiceAccount("ns", "sa", noSignal));
      const controller = new AbortController();
      const waiting = api.getServiceAccount("ns", "sa", { signal: controller.signal });
      controller.abort(new Error("the Mount's budget ran out"));
      await expect(waiting).rejects.toThrow("the Mount's budget ran out");
      release.resolve();
      expect(await Promise.all(busy)).toHaveLength(8);
    });

    test("sends the bearer token, Accept and the provider's user agent", async () => {
      fake.putNode("n1");

      await createApi().getNode("n1", noSignal);

      expect(fake.requests).toEqual([
        expect.objectContaining({
          method: "GET",
          path: "/api/v1/nodes/n1",
          token,
          accept: "application/json",
          userAgent: "secrets-store-csi-driver-provider-aws/1.2.3",
        }),
      ]);
    });

    test("reads a Pod's node and service account", async () => {
      fake.putPod("ns", "p", { nodeName: "n1", serviceAccountName: "sa" });

      const pod = await createApi().getPod("ns", "p", noSignal);

      expect(pod).toEqual({ name: "p", namespace: "ns", nodeName: "n1", serviceAccountName: "sa" });
    });

    test("reports an unscheduled pod's nodeName as undefined", async () => {
      fake.putPod("ns", "p");

      const pod = await createApi().getPod("ns", "p", noSignal);

      expect(pod.nodeName).toBeUndefined();
    });

    test("reads a Node's labels", async () => {
      fake.putNode("n1", { "topology.kubernetes.io/region": "eu-west-1" });

      const node = await createApi().getNode("n1", noSignal);

      expect(node).toEqual({
        name: "n1",
        labels: { "topology.kubernetes.io/region": "eu-west-1" },
      });
    });

    test("URL-encodes path segments and keeps a base path", async () => {
      const stub = createFetchStub(() =>
        Response.json({ kind: "ServiceAccount", metadata: { name: "a", namespace: "b" } }),
      );
      const api = createApi({ baseUrl: "http://proxy.local/k8s/c1/", fetch: stub.fetch });

      await api.getServiceAccount("n s", "a/b?c", noSignal);

      expect(stub.calls[0]?.url).toBe(
        "http://proxy.local/k8s/c1/api/v1/namespaces/n%20s/serviceaccounts/a%2Fb%3Fc",
      );
    });

    test.each([".", "..", ""])("rejects the object name %p without a request", async (name) => {
      const stub = createFetchStub();

      const error = await expectProviderError(
        createApi({ fetch: stub.fetch }).getServiceAccount("ns", name, noSignal),
        Code.InvalidArgument,
      );

      expect(error.message).toContain(`"${name}" is not a valid object name`);
      expect(stub.calls).toHaveLength(0);
    });

    test.each([
      ["a body that is not JSON", new Response("<html>", { status: 200 }), "the body is not JSON"],
      [
        "another kind",
        Response.json({ kind: "Pod", metadata: {} }),
        'expected kind "Node", got "Pod"',
      ],
      ["no metadata", Response.json({ kind: "Node" }), "metadata is not an object"],
      [
        "a label that is not a string",
        Response.json({ kind: "Node", metadata: { name: "n1", labels: { a: 1 } } }),
        'metadata.labels["a"] is not a string',
      ],
    ])("answers INTERNAL for %s", async (_, response, detail) => {
      const stub = createFetchStub(() => response);

      const error = await expectProviderError(
        createApi({ fetch: stub.fetch }).getNode("n1", noSignal),
        Code.Internal,
      );

      expect(error.message).toBe(
        `Cannot get Node "n1" from the Kubernetes API at "${fake.url}": unexpected response: ${detail}`,
      );
    });
  });

  describe("the service account issuer", () => {
    test("reads the issuer from the discovery document, not following its jwks_uri", async () => {
      const discovery = await createApi().getIssuerDiscovery(noSignal);
      expect(discovery).toEqual({ issuer: fake.issuer });
      expect(fake.requests.map((request) => request.path)).toEqual([
        "/.well-known/openid-configuration",
      ]);
    });

    test("reads the key set from the API server's own /openid/v1/jwks, accepting its media type", async () => {
      const keySet = await createApi().getIssuerKeySet(noSignal);
      expect(keySet.keys.map((key) => key["kid"])).toEqual(fake.issuerKeyIds());
      expect(fake.requests).toEqual([
        expect.objectContaining({
          path: "/openid/v1/jwks",
          token,
          accept: "application/jwk-set+json",
        }),
      ]);
    });

    test.each([
      ["/.well-known/openid-configuration", (api: KubeApi) => api.getIssuerDiscovery(noSignal)],
      ["/openid/v1/jwks", (api: KubeApi) => api.getIssuerKeySet(noSignal)],
    ] as const)("answers PERMISSION_DENIED naming the non-resource URL %s", async (url, call) => {
      fake.setForbidden(url);
      const error = await expectProviderError(call(createApi()), Code.PermissionDenied);
      expect(error.message).toStartWith(
        `Cannot get "${url}" from the Kubernetes API: forbidden; the provider's ClusterRole ` +
          `needs "get" on the non-resource URL "${url}"`,
      );
    });

    test("answers INTERNAL for a key set that is not a list of keys", async () => {
      const stub = createFetchStub(() => Response.json({ keys: "none" }));
      const error = await expectProviderError(
        createApi({ fetch: stub.fetch }).getIssuerKeySet(noSignal),
        Code.Internal,
      );
      expect(error.message).toContain('Cannot get "/openid/v1/jwks"');
      expect(error.message).toContain("keys is not a list");
    });

    test("reports the URL as the resource of its request event", async () => {
      const events: KubeRequestEvent[] = [];
      await createApi({ onRequest: (event) => events.push(event) }).getIssuerKeySet(noSignal);
      expect(events).toEqual([
        expect.objectContaining({ verb: "get", resource: "/openid/v1/jwks", status: 200 }),
      ]);
    });
  });

  describe("TLS", () => {
    test("rejects the API server when the CA file holds another CA", async () => {
      const other = await createFakeKubeTls();
      writeFileSync(files.caFile, other.caPem);
      fake.putNode("n1");

      const error = await expectProviderError(createApi().getNode("n1", noSignal), Code.Internal);

      expect(error.message).toStartWith(
        `Cannot get Node "n1" from the Kubernetes API at "${fake.url}": TLS verification failed`,
      );
      expect(error.message).toContain("check that --kube-ca-file holds the CA bundle");
    });

    test("fails at creation when the CA file of an https URL cannot be read", () => {
      const caFile = join(dir, "missing.crt");

      expect(() => createApi({ caFile })).toThrow(
        `Cannot read the Kubernetes API CA bundle "${caFile}"`,
      );
    });

    test("ignores the CA file of an http URL", async () => {
      const stub = createFetchStub();
      const api = createApi({
        baseUrl: "http://127.0.0.1:8001",
        caFile: join(dir, "missing.crt"),
        fetch: stub.fetch,
      });

      await api.getNode("n1", noSignal);

      expect(stub.calls[0]?.init.tls).toBeUndefined();
    });

    test.each([
      ["a URL", { baseUrl: "not a url" }, '"not a url" is not a URL'],
      ["an http(s) URL", { baseUrl: "ftp://x" }, "must start with https:// or http://"],
      ["qps above 0", { qps: 0 }, "qps must be above 0, got 0"],
      ["burst of at least 1", { burst: 0.5 }, "burst must be an integer of at least 1, got 0.5"],
      ["a timeout above 0", { requestTimeoutMs: -1 }, "timeout must be above 0, got -1"],
    ])("requires %s", (_, options, message) => {
      expect(() => createApi(options)).toThrow(message);
    });
  });

  describe("token", () => {
    test("re-reads the token after kubelet swaps the ..data symlink", async () => {
      fake.putNode("n1");
      const mount = join(dir, "mount");
      const writeVersion = (version: string, value: string) => {
        mkdirSync(join(mount, version), { recursive: true });
        writeFileSync(join(mount, version, "token"), value);
        symlinkSync(version, join(mount, "..data_tmp"));
        renameSync(join(mount, "..data_tmp"), join(mount, "..data"));
      };
      writeVersion("..v1", token);
      symlinkSync(join("..data", "token"), join(mount, "token"));
      const api = createApi({ tokenFile: join(mount, "token") });
      await api.getNode("n1", noSignal);

      writeVersion("..v2", "rotated-token");
      fake.setValidTokens(["rotated-token"]);
      await api.getNode("n1", noSignal);

      expect(fake.requests.map((request) => request.token)).toEqual([token, "rotated-token"]);
    });

    test("retries once with a freshly read token after a 401", async () => {
      fake.putNode("n1");
      // Same size, inode and mtime: only the 401 can reveal the new token.
      utimesSync(files.tokenFile, 1_700_000_000, 1_700_000_000);
      const events: KubeRequestEvent[] = [];
      const api = createApi({ onRequest: (event) => events.push(event) });
      await api.getNode("n1", noSignal);
      const rotated = "x".repeat(token.length);
      writeFileSync(files.tokenFile, rotated);
      utimesSync(files.tokenFile, 1_700_000_000, 1_700_000_000);
      fake.setValidTokens([rotated]);

      const node = await api.getNode("n1", noSignal);

      expect(node.name).toBe("n1");
      expect(fake.requests.map((request) => request.token)).toEqual([token, token, rotated]);
      expect(events.map((event) => event.status)).toEqual([200, 401, 200]);
    });

    test("answers INTERNAL naming the token file when the retry is rejected too", async () => {
      fake.putNode("n1");
      fake.setValidTokens(["someone-else"]);

      const error = await expectProviderError(createApi().getNode("n1", noSignal), Code.Internal);

      expect(error.message).toContain(
        `unauthorized: the API server rejected the provider's own service account token read from "${files.tokenFile}"`,
      );
      expect(fake.requests).toHaveLength(2);
    });

    test("answers INTERNAL naming the token file when it is missing", async () => {
      rmSync(files.tokenFile);

      const error = await expectProviderError(createApi().getNode("n1", noSignal), Code.Internal);

      expect(error.message).toContain(
        `cannot read the provider's service account token from "${files.tokenFile}"`,
      );
      expect(fake.requests).toHaveLength(0);
    });

    test("never puts the token into error messages", async () => {
      const api = createApi({ requestTimeoutMs: 100 });
      fake.setForbidden("pods");
      fake.failNext(500);
      const messages = [
        (await expectProviderError(api.getNode("n1", noSignal), Code.Internal)).message,
        (await expectProviderError(api.getNode("n1", noSignal), Code.NotFound)).message,
        (await expectProviderError(api.getPod("ns", "p", noSignal), Code.PermissionDenied)).message,
      ];
      fake.setValidTokens([]);
      messages.push(
        (await expectProviderError(api.getNode("n1", noSignal), Code.Internal)).message,
      );

      for (const message of messages) expect(message).not.toContain(token);
      expect(messages).toHaveLength(4);
    });
  });

  describe("errors", () => {
    test.each([
      [
        "serviceaccounts",
        'Cannot get ServiceAccount "ns/x" from the Kubernetes API: forbidden; the provider\'s ClusterRole needs "get" on "serviceaccounts"',
      ],
      [
        "pods",
        'Cannot get Pod "ns/x" from the Kubernetes API: forbidden; the provider\'s ClusterRole needs "get" on "pods", or set NODE_NAME',
      ],
      [
        "nodes",
        'Cannot get Node "x" from the Kubernetes API: forbidden; the provider\'s ClusterRole needs "get" on "nodes"',
      ],
    ] as const)(
      "answers PERMISSION_DENIED naming the RBAC rule for %s",
      async (resource, start) => {
        fake.setForbidden(resource);
        const api = createApi();
        const call = {
          serviceaccounts: () => api.getServiceAccount("ns", "x", noSignal),
          pods: () => api.getPod("ns", "x", noSignal),
          nodes: () => api.getNode("x", noSignal),
        }[resource];

        const error = await expectProviderError(call(), Code.PermissionDenied);

        expect(error.message).toStartWith(start);
        expect(error.message).toContain(
          `(API server: ${resource} "x" is forbidden: User "system:serviceaccount:kube-system:`,
        );
        expect(error.reason).toBe("KubeForbidden");
      },
    );

    test("answers NOT_FOUND naming the object", async () => {
      const error = await expectProviderError(
        createApi().getServiceAccount("ns", "gone", noSignal),
        Code.NotFound,
      );

      expect(error.message).toBe(
        'Cannot get ServiceAccount "ns/gone" from the Kubernetes API: not found',
      );
    });

    test("answers INTERNAL naming the API server for a 5xx", async () => {
      fake.failNext(503);

      const error = await expectProviderError(createApi().getNode("n1", noSignal), Code.Internal);

      expect(error.message).toBe(
        `Cannot get Node "n1" from the Kubernetes API at "${fake.url}": HTTP 503: fake failure with status 503`,
      );
    });

    test("answers INTERNAL for a 5xx without a Status body", async () => {
      const stub = createFetchStub(() => new Response("bad gateway", { status: 502 }));

      const error = await expectProviderError(
        createApi({ fetch: stub.fetch }).getNode("n1", noSignal),
        Code.Internal,
      );

      expect(error.message).toEndWith(": HTTP 502");
    });

    test("answers INTERNAL naming the API server when it cannot connect", async () => {
      const baseUrl = "http://127.0.0.1:1";

      const error = await expectProviderError(
        createApi({ baseUrl }).getNode("n1", noSignal),
        Code.Internal,
      );

      expect(error.message).toStartWith(
        `Cannot get Node "n1" from the Kubernetes API at "${baseUrl}": `,
      );
      expect(error.message).toContain("ECONNREFUSED");
    });

    test("answers INTERNAL when the API server does not answer in time", async () => {
      fake.putNode("n1");
      fake.setLatency(1_000);
      const events: KubeRequestEvent[] = [];

      const error = await expectProviderError(
        createApi({ requestTimeoutMs: 50, onRequest: (event) => events.push(event) }).getNode(
          "n1",
          noSignal,
        ),
        Code.Internal,
      );

      expect(error.message).toEndWith(": no answer within 50 ms");
      expect(events).toEqual([
        { verb: "get", resource: "nodes", status: "error", durationMs: expect.any(Number) },
      ]);
    });

    test("rejects with the caller's abort reason unchanged", async () => {
      fake.putNode("n1");
      fake.setLatency(1_000);
      const controller = new AbortController();
      const reason = new Error("mount deadline");
      setTimeout(() => controller.abort(reason), 20);

      const promise = createApi().getNode("n1", { signal: controller.signal });

      await expect(promise).rejects.toBe(reason);
    });

    test("sends nothing when the signal is already aborted", async () => {
      const reason = new Error("cancelled");

      const promise = createApi().getNode("n1", { signal: AbortSignal.abort(reason) });

      await expect(promise).rejects.toBe(reason);
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe("rate limit", () => {
    test("lets a burst through at once and makes the next request wait 1/qps", async () => {
      const { clock, sleeps, advance } = createManualClock();
      const stub = createFetchStub();
      const api = createApi({ qps: 5, burst: 2, clock, fetch: stub.fetch });

      const all = Promise.all(["a", "b", "c"].map((name) => api.getNode(name, noSignal)));
      await waitFor(() => stub.calls.length === 2);
      await Bun.sleep(20);

      // The burst's order is up to the concurrent token file reads.
      expect(stub.names().sort()).toEqual(["a", "b"]);
      expect(sleeps).toEqual([200]);
      advance(200);
      await all;
      expect(stub.names()[2]).toBe("c");
    });

    test("keeps waiting requests in order", async () => {
      const { clock, sleeps, advance } = createManualClock();
      const stub = createFetchStub();
      const api = createApi({ qps: 5, burst: 1, clock, fetch: stub.fetch });

      await api.getNode("a", noSignal);

      const all = Promise.all(["b", "c", "d"].map((name) => api.getNode(name, noSignal)));
      expect(sleeps).toEqual([200, 400, 600]);
      for (const count of [2, 3, 4]) {
        advance(200);
        await waitFor(() => stub.calls.length === count);
      }
      await all;

      expect(stub.names()).toEqual(["a", "b", "c", "d"]);
    });

    test("refills at qps up to burst", async () => {
      const { clock, sleeps, advance } = createManualClock();
      const stub = createFetchStub();
      const api = createApi({ qps: 5, burst: 2, clock, fetch: stub.fetch });
      await Promise.all(["a", "b"].map((name) => api.getNode(name, noSignal)));

      advance(60_000);
      const all = Promise.all(["c", "d", "e"].map((name) => api.getNode(name, noSignal)));

      expect(sleeps).toEqual([200]);
      advance(200);
      await all;
    });

    test("cancels a request waiting for the rate limit and frees its place", async () => {
      const { clock, sleeps, advance } = createManualClock();
      const stub = createFetchStub();
      const api = createApi({ qps: 5, burst: 1, clock, fetch: stub.fetch });
      await api.getNode("a", noSignal);
      const controller = new AbortController();
      const reason = new Error("pod deleted");

      const waiting = api.getNode("b", { signal: controller.signal });
      controller.abort(reason);

      await expect(waiting).rejects.toBe(reason);
      const next = api.getNode("c", noSignal);
      expect(sleeps).toEqual([200, 200]);
      advance(200);
      await next;
      expect(stub.names()).toEqual(["a", "c"]);
    });

    test("stops waiting on abort with the real clock", async () => {
      const stub = createFetchStub();
      const api = createApi({ qps: 0.001, burst: 1, fetch: stub.fetch });
      await api.getNode("a", noSignal);
      const controller = new AbortController();
      const reason = new Error("deadline");
      setTimeout(() => controller.abort(reason), 20);

      const waiting = api.getNode("b", { signal: controller.signal });

      await expect(waiting).rejects.toBe(reason);
      expect(stub.names()).toEqual(["a"]);
    });
  });
});
