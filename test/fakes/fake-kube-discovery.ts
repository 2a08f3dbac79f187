/** Options of {@link createFakeKubeDiscovery}. */
export interface FakeKubeDiscoveryOptions {
  /** The `gitVersion` the server reports. @default "v1.33.0" */
  version?: string;
}

/**
 * A Kubernetes API server that only answers discovery, over plain HTTP on 127.0.0.1: `/version`,
 * `/api`, `/api/v1` and `/apis` (no groups, no resources). It is all `helm upgrade --dry-run=client`
 * asks a cluster for: the server version and API versions that `.Capabilities` exposes.
 */
export interface FakeKubeDiscovery extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Paths requested, in order (for assertions only). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** Starts a fake discovery-only Kubernetes API server. */
export function createFakeKubeDiscovery(options: FakeKubeDiscoveryOptions = {}): FakeKubeDiscovery {
  const gitVersion = options.version ?? "v1.33.0";
  const [, major = "1", minor = "33"] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
  const answers: Record<string, unknown> = {
    "/version": { major, minor, gitVersion, platform: "linux/amd64" },
    "/api": { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] },
    "/api/v1": { kind: "APIResourceList", groupVersion: "v1", resources: [] },
    "/apis": { kind: "APIGroupList", apiVersion: "v1", groups: [] },
  };
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      requests.push(path);
      const answer = answers[path];
      return answer === undefined
        ? Response.json({ kind: "Status", status: "Failure", code: 404 }, { status: 404 })
        : Response.json(answer);
    },
  });
  const close = async () => {
    await server.stop(true);
  };
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
