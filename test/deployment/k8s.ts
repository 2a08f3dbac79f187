/**
 * Helpers of the deployment tests: reading multi-document YAML files and validating Kubernetes
 * objects against the API schemas that `kubernetes-models` ships (OpenAPI of the Kubernetes API,
 * compiled to validators).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Model } from "@kubernetes-models/base";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { CSIDriver } from "kubernetes-models/storage.k8s.io/v1/CSIDriver";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { parseAllDocuments } from "yaml";

/** The repository root. */
export const repoRoot = resolve(import.meta.dir, "../..");

/** Reads a file of the repository as text. */
export function readRepoFile(path: string): string {
  return readFileSync(resolve(repoRoot, path), "utf8");
}

/** A parsed Kubernetes object, before validation. */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Parses every YAML document of `text` (comment-only documents are skipped).
 * @throws Error naming the first YAML error or warning, so that a broken manifest fails the test
 */
export function parseManifests(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(text, { uniqueKeys: true })) {
    if (!("errors" in document)) throw new Error(`${source}: not a YAML stream`);
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) throw new Error(`${source}: ${problem.message}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw new Error(`${source}: a document is not a mapping`);
    objects.push(value as KubeObject);
  }
  return objects;
}

/** Model classes of the kinds this repository ships, by `apiVersion/kind`. */
const models: Record<string, new (data: never) => Model<unknown>> = {
  "v1/ServiceAccount": ServiceAccount,
  "v1/Service": Service,
  "apps/v1/DaemonSet": DaemonSet,
  "apps/v1/Deployment": Deployment,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "storage.k8s.io/v1/CSIDriver": CSIDriver,
};

/** Whether {@link validateObject} knows the schema of `object`'s kind. */
export function hasSchema(object: KubeObject): boolean {
  return Object.hasOwn(models, `${String(object.apiVersion)}/${String(object.kind)}`);
}

/**
 * Validates `object` against the Kubernetes schema of its kind: types, enums, required fields and
 * formats (quantities, int-or-string), as the API server's OpenAPI describes them.
 * @returns an empty list when valid, else one message per problem
 */
export function validateObject(object: KubeObject): string[] {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const ModelClass = models[key];
  if (!ModelClass) return [`no schema for ${key}`];
  try {
    new ModelClass(object as never).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/** The object of `kind` named `name` (any name when omitted), or an error listing what exists. */
export function findObject(
  objects: readonly KubeObject[],
  kind: string,
  name?: string,
): KubeObject {
  const found = objects.find(
    (object) => object.kind === kind && (name === undefined || object.metadata?.name === name),
  );
  if (!found) {
    const present = objects.map(
      (object) => `${String(object.kind)}/${String(object.metadata?.name)}`,
    );
    throw new Error(`no ${kind}${name ? ` ${name}` : ""} among ${present.join(", ")}`);
  }
  return found;
}

/** Reads `path` (dot-separated keys, `[n]` for list items) from a parsed object. */
export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`bad path ${path}`);
    const [, key = "", indexes = ""] = match;
    if (key !== "") current = (current as Record<string, unknown> | undefined)?.[key];
    for (const index of indexes.matchAll(/\[(\d+)\]/g))
      current = (current as unknown[] | undefined)?.[Number(index[1])];
  }
  return current;
}

/** The package.json version, which every artifact must carry. */
export const packageVersion: string = (
  JSON.parse(readRepoFile("package.json")) as { version: string }
).version;

/**
 * The non-resource URLs the provider's ClusterRole grants, and nothing else: the service account
 * issuer's discovery document and key set, which prove a pod's token (SPEC §5.3).
 */
export const issuerDiscoveryGrants = [
  "url:/.well-known/openid-configuration:get",
  "url:/openid/v1/jwks:get",
] as const;

/**
 * Every grant of a ClusterRole, sorted: `<resource>:<verb>` for the core group,
 * `<group>/<resource>:<verb>` for others, `url:<path>:<verb>` for non-resource URLs; a rule's
 * resource names, if any, as `…:<verb>@<name>`.
 */
export function grantsOf(role: KubeObject): string[] {
  const rules = (role["rules"] ?? []) as {
    apiGroups?: string[];
    resources?: string[];
    resourceNames?: string[];
    nonResourceURLs?: string[];
    verbs: string[];
  }[];
  return rules
    .flatMap((rule) => [
      ...(rule.resources ?? []).flatMap((resource) =>
        (rule.apiGroups ?? [""]).flatMap((group) =>
          rule.verbs.map((verb) => {
            const names = rule.resourceNames?.length ? `@${rule.resourceNames.join(",")}` : "";
            return `${group === "" ? "" : `${group}/`}${resource}:${verb}${names}`;
          }),
        ),
      ),
      ...(rule.nonResourceURLs ?? []).flatMap((url) =>
        rule.verbs.map((verb) => `url:${url}:${verb}`),
      ),
    ])
    .sort();
}
