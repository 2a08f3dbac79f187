import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";
import type { KubeNonResourceUrl, KubeResource } from "../../src/kube/kube-errors.ts";
import {
  createFakeServiceAccountIssuer,
  type FakeSigningAlgorithm,
  type MintOptions,
} from "./fake-service-account-issuer.ts";

/** PEM material of a fake API server: a CA and a server certificate it signed. */
export interface FakeKubeTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Options of {@link createFakeKube}. */
export interface FakeKubeOptions {
  /**
   * Bearer tokens the server accepts; `writeClientFiles` writes the first.
   * @default ["fake-kube-token"]
   */
  validTokens?: readonly string[];
  /**
   * User named in Forbidden messages, as the API server names the caller.
   * @default "system:serviceaccount:kube-system:secrets-store-csi-driver-provider-aws"
   */
  user?: string;
  /** @default one CA and certificate generated once per test process */
  tls?: FakeKubeTls;
  /**
   * The service account issuer (`iss` of minted tokens).
   * @default an EKS-style `https://oidc.eks.us-east-1.amazonaws.com/id/…`
   */
  issuer?: string;
}

/** One request the fake received. */
export interface FakeKubeRequest {
  method: string;
  /** Path as sent, still URL-encoded. */
  path: string;
  /** Bearer token, undefined without an `Authorization: Bearer` header. */
  token: string | undefined;
  userAgent: string | null;
  accept: string | null;
  /** `Date.now()` on arrival. */
  time: number;
}

/** What the fake answers for: an object's resource or a non-resource URL. */
export type FakeKubeTarget = KubeResource | KubeNonResourceUrl;

/**
 * A fake Kubernetes API server over HTTPS on 127.0.0.1, seeded with objects. As a service account
 * issuer it serves `/.well-known/openid-configuration` and `/openid/v1/jwks` and mints signed
 * service account tokens.
 */
export interface FakeKube extends AsyncDisposable {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** CA that signed the server certificate (SAN IP 127.0.0.1 and DNS localhost). */
  readonly caPem: string;
  /** Every request received, in order. */
  readonly requests: readonly FakeKubeRequest[];
  /** Writes `token` (the first valid token, or `token`) and `ca.crt` into `dir`. */
  writeClientFiles(dir: string, token?: string): { tokenFile: string; caFile: string };
  /** Replaces the accepted tokens, e.g. to simulate rotation: the old token now gets 401. */
  setValidTokens(tokens: readonly string[]): void;
  /** Every token ever valid and every service account token minted (for leak scans). */
  sensitiveValues(): string[];
  /** The service account issuer: `iss` of minted tokens and the discovery document's `issuer`. */
  readonly issuer: string;
  /** Signs a service account token as TokenRequest does (RS256 unless rotated to ES256). */
  mintToken(options: MintOptions): string;
  /** Signs with a new published key from now on; see `FakeServiceAccountIssuer.rotate`. */
  rotateSigningKey(options?: { algorithm?: FakeSigningAlgorithm; dropPrevious?: boolean }): void;
  /** Key ids of the key set now served, newest last. */
  issuerKeyIds(): string[];
  putServiceAccount(namespace: string, name: string, annotations?: Record<string, string>): void;
  putPod(
    namespace: string,
    name: string,
    spec?: { nodeName?: string; serviceAccountName?: string },
  ): void;
  putNode(name: string, labels?: Record<string, string>): void;
  /** Answers 403 for `target`, as when the provider's ClusterRole lacks "get" on it. */
  setForbidden(target: FakeKubeTarget, isForbidden?: boolean): void;
  /** Answers 503 for `target` while set. */
  setUnavailable(target: FakeKubeTarget, isUnavailable?: boolean): void;
  /** The next `times` requests (default 1) get `status` with a matching `Status` body. */
  failNext(status: number, times?: number): void;
  /** Delay before every answer. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

let sharedTls: Promise<FakeKubeTls> | undefined;

/** Generates a fresh CA and a server certificate for 127.0.0.1 and localhost signed by it. */
export async function createFakeKubeTls(): Promise<FakeKubeTls> {
  const ca = await generate([{ name: "commonName", value: "fake-kube-ca" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "kube-apiserver" }], {
    keyType: "ec",
    algorithm: "sha256",
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}

const statusReasons: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  406: "NotAcceptable",
  409: "Conflict",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** Starts a {@link FakeKube} on a free port. */
export async function createFakeKube(options: FakeKubeOptions = {}): Promise<FakeKube> {
  sharedTls ??= createFakeKubeTls();
  const tls = options.tls ?? (await sharedTls);
  const user =
    options.user ?? "system:serviceaccount:kube-system:secrets-store-csi-driver-provider-aws";
  let validTokens = [...(options.validTokens ?? ["fake-kube-token"])];
  const everValid = new Set(validTokens);
  const minted = new Set<string>();
  const issuer = createFakeServiceAccountIssuer(options.issuer);
  const objects = new Map<string, object>();
  const forbidden = new Set<FakeKubeTarget>();
  const unavailable = new Set<FakeKubeTarget>();
  const failures: number[] = [];
  const requests: FakeKubeRequest[] = [];
  let latencyMs = 0;

  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const authorization = request.headers.get("authorization") ?? "";
    const token = authorization.startsWith("Bearer ") ? authorization.slice(7) : undefined;
    requests.push({
      method: request.method,
      path,
      token,
      userAgent: request.headers.get("user-agent"),
      accept: request.headers.get("accept"),
      time: Date.now(),
    });
    if (latencyMs > 0) await Bun.sleep(latencyMs);
    const failure = failures.shift();
    if (failure !== undefined) return status(failure, `fake failure with status ${failure}`);
    if (token === undefined || !validTokens.includes(token)) return status(401, "Unauthorized");
    if (isNonResourceUrl(path) && request.method === "GET") {
      if (unavailable.has(path))
        return status(503, "the server is currently unable to handle the request");
      if (forbidden.has(path)) {
        return status(403, `forbidden: User "${user}" cannot get path "${path}"`);
      }
      // go-restful negotiates the content type: the key set route produces only this one.
      const accept = request.headers.get("accept") ?? "*/*";
      if (
        path === "/openid/v1/jwks" &&
        !/application\/jwk-set\+json|\*\/\*|application\/\*/.test(accept)
      ) {
        return status(406, `only the following media types are accepted: application/jwk-set+json`);
      }
      return Response.json(
        path === "/openid/v1/jwks" ? issuer.keySet() : issuer.discoveryDocument(),
        {
          headers: {
            "Content-Type":
              path === "/openid/v1/jwks" ? "application/jwk-set+json" : "application/json",
          },
        },
      );
    }
    const target = toTarget(path);
    if (target === undefined || request.method !== "GET") {
      return status(404, "the server could not find the requested resource");
    }
    const { resource, namespace, name } = target;
    if (unavailable.has(resource)) {
      return status(503, "the server is currently unable to handle the request");
    }
    if (forbidden.has(resource)) {
      const scope =
        namespace === undefined ? "at the cluster scope" : `in the namespace "${namespace}"`;
      return status(
        403,
        `${resource} "${name}" is forbidden: User "${user}" cannot get resource "${resource}" ` +
          `in API group "" ${scope}`,
        { name, kind: resource },
      );
    }
    const object = objects.get(toKey(resource, namespace, name));
    if (object === undefined)
      return status(404, `${resource} "${name}" not found`, { name, kind: resource });
    return Response.json(object);
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: tls.certPem, key: tls.keyPem },
    fetch: handle,
  });
  const url = `https://127.0.0.1:${server.port}`;

  const put = (
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    object: object,
  ) => {
    objects.set(toKey(resource, namespace, name), object);
  };
  const close = async () => {
    await server.stop(true);
  };

  return {
    url,
    caPem: tls.caPem,
    requests,
    writeClientFiles(dir, token) {
      const tokenFile = join(dir, "token");
      const caFile = join(dir, "ca.crt");
      writeFileSync(tokenFile, token ?? validTokens[0] ?? "");
      writeFileSync(caFile, tls.caPem);
      return { tokenFile, caFile };
    },
    sensitiveValues: () => [...everValid, ...minted],
    issuer: issuer.issuer,
    mintToken(mintOptions) {
      const token = issuer.mint(mintOptions);
      minted.add(token);
      return token;
    },
    rotateSigningKey: (rotateOptions) => issuer.rotate(rotateOptions),
    issuerKeyIds: () => issuer.keyIds(),
    setValidTokens(tokens) {
      validTokens = [...tokens];
      for (const token of tokens) everValid.add(token);
    },
    putServiceAccount(namespace, name, annotations = {}) {
      put("serviceaccounts", namespace, name, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name, namespace, annotations, ...objectMeta() },
      });
    },
    putPod(namespace, name, spec = {}) {
      put("pods", namespace, name, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, ...objectMeta() },
        spec: {
          containers: [{ name: "app", image: "public.ecr.aws/docker/library/busybox:latest" }],
          serviceAccountName: spec.serviceAccountName ?? "default",
          ...(spec.nodeName === undefined ? {} : { nodeName: spec.nodeName }),
        },
        status: { phase: spec.nodeName === undefined ? "Pending" : "Running" },
      });
    },
    putNode(name, labels = {}) {
      put("nodes", undefined, name, {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels, ...objectMeta() },
        spec: {},
        status: { conditions: [{ type: "Ready", status: "True" }] },
      });
    },
    setForbidden(target, isForbidden = true) {
      if (isForbidden) forbidden.add(target);
      else forbidden.delete(target);
    },
    setUnavailable(target, isUnavailable = true) {
      if (isUnavailable) unavailable.add(target);
      else unavailable.delete(target);
    },
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function isNonResourceUrl(path: string): path is KubeNonResourceUrl {
  return path === "/.well-known/openid-configuration" || path === "/openid/v1/jwks";
}

function toTarget(
  path: string,
): { resource: KubeResource; namespace: string | undefined; name: string } | undefined {
  let parts: string[];
  try {
    parts = path.split("/").map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
  const [empty, api, v1, first, second, third, fourth, ...rest] = parts;
  if (empty !== "" || api !== "api" || v1 !== "v1" || rest.length > 0) return undefined;
  if (first === "nodes" && second !== undefined && third === undefined) {
    return { resource: "nodes", namespace: undefined, name: second };
  }
  if (first === "namespaces" && second !== undefined && fourth !== undefined) {
    if (third === "serviceaccounts" || third === "pods") {
      return { resource: third, namespace: second, name: fourth };
    }
  }
  return undefined;
}

function toKey(resource: KubeResource, namespace: string | undefined, name: string): string {
  return JSON.stringify([resource, namespace ?? null, name]);
}

function objectMeta() {
  return {
    uid: crypto.randomUUID(),
    resourceVersion: "1",
    creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

function status(code: number, message: string, details?: { name: string; kind: string }): Response {
  const body = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: statusReasons[code] ?? "Unknown",
    ...(details === undefined ? {} : { details }),
    code,
  };
  return Response.json(body, { status: code });
}
