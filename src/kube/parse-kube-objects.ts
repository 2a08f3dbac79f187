import type { IssuerDiscovery, IssuerKeySet, Node, Pod, ServiceAccount } from "./kube-api.ts";
import { KubeResponseError } from "./kube-errors.ts";

/**
 * Reads the parts of a ServiceAccount the provider needs from a decoded API response.
 * @throws KubeResponseError naming the first field that is missing or has the wrong type
 */
export function parseServiceAccount(body: unknown): ServiceAccount {
  const metadata = readMetadata(body, "ServiceAccount");
  return {
    name: readString(metadata, "name", "metadata"),
    namespace: readString(metadata, "namespace", "metadata"),
    annotations: readStringMap(metadata, "annotations", "metadata"),
  };
}

/**
 * Reads the parts of a Pod the provider needs from a decoded API response. An empty
 * `spec.nodeName` becomes undefined and a missing `spec.serviceAccountName` becomes `"default"`.
 * @throws KubeResponseError naming the first field that is missing or has the wrong type
 */
export function parsePod(body: unknown): Pod {
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

/**
 * Reads the parts of a Node the provider needs from a decoded API response.
 * @throws KubeResponseError naming the first field that is missing or has the wrong type
 */
export function parseNode(body: unknown): Node {
  const metadata = readMetadata(body, "Node");
  return {
    name: readString(metadata, "name", "metadata"),
    labels: readStringMap(metadata, "labels", "metadata"),
  };
}

/**
 * Reads the service account issuer from its OpenID discovery document
 * (`/.well-known/openid-configuration`). `jwks_uri` is not read: see `KubeApi.getIssuerKeySet`.
 * @throws KubeResponseError when `issuer` is missing or empty
 */
export function parseIssuerDiscovery(body: unknown): IssuerDiscovery {
  if (!isRecord(body)) throw new KubeResponseError("expected an OpenID discovery document");
  const issuer = readString(body, "issuer", "");
  if (issuer === "") throw new KubeResponseError("issuer is empty");
  return { issuer };
}

/** Keys a key set may hold; API servers hold one per `--service-account-key-file` key. */
export const maxIssuerKeys = 64;

/**
 * Reads a JSON Web Key Set (`/openid/v1/jwks`): its `keys`, each an object left for the token
 * verifier to check.
 * @throws KubeResponseError when `keys` is not a list of objects or holds more than
 *   {@link maxIssuerKeys}
 */
export function parseIssuerKeySet(body: unknown): IssuerKeySet {
  const keys = isRecord(body) ? body["keys"] : undefined;
  if (!Array.isArray(keys)) throw new KubeResponseError("keys is not a list");
  if (keys.length > maxIssuerKeys) {
    throw new KubeResponseError(`keys holds ${keys.length} keys, more than ${maxIssuerKeys}`);
  }
  keys.forEach((key, index) => {
    if (!isRecord(key)) throw new KubeResponseError(`keys[${index}] is not an object`);
  });
  return { keys: keys as Record<string, unknown>[] };
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
