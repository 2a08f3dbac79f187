/**
 * The kubectl installers (public and private-registry) and the CSIDriver tokenRequests snippet:
 * valid Kubernetes objects, hardened DaemonSet, least-privilege RBAC, and the two installers in step.
 */
import { describe, expect, test } from "bun:test";
import { daemonSetProblems } from "./daemonset-checks.ts";
import {
  at,
  findObject,
  grantsOf,
  issuerDiscoveryGrants,
  type KubeObject,
  packageVersion,
  parseManifests,
  readRepoFile,
  validateObject,
} from "./k8s.ts";

const installerPath = "deployment/aws-provider-installer.yaml";
const privateInstallerPath = "deployment/private-installer.yaml";
const tokenRequestsPath = "deployment/csidriver-token-requests.yaml";
const privateRepo =
  "111122223333.dkr.ecr.us-west-2.amazonaws.com/secrets-store-csi-driver-provider-aws";

/** What `envsubst '$PRIVREPO $VERSION'` does: replaces `$NAME` and `${NAME}` of those two only. */
function envsubst(text: string, values: Record<string, string>): string {
  return text.replaceAll(/\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? "";
    return Object.hasOwn(values, name) ? (values[name] ?? "") : match;
  });
}

const installer = parseManifests(readRepoFile(installerPath), installerPath);
const privateInstaller = parseManifests(
  envsubst(readRepoFile(privateInstallerPath), { PRIVREPO: privateRepo, VERSION: packageVersion }),
  privateInstallerPath,
);
const tokenRequests = parseManifests(readRepoFile(tokenRequestsPath), tokenRequestsPath);

/** A deep copy of `object` that tests may mutate. */
function copy<T>(object: T): T {
  return structuredClone(object);
}

describe.each([
  [installerPath, installer],
  [privateInstallerPath, privateInstaller],
])("%s", (_path, objects) => {
  test("holds a ServiceAccount, ClusterRole, ClusterRoleBinding and DaemonSet, each schema-valid", () => {
    expect(objects.map((object) => object.kind)).toEqual([
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "DaemonSet",
    ]);
    for (const object of objects)
      expect({ [String(object.kind)]: validateObject(object) }).toEqual({
        [String(object.kind)]: [],
      });
  });

  test("the DaemonSet follows every hardening rule", () => {
    expect(daemonSetProblems(findObject(objects, "DaemonSet"))).toEqual([]);
  });

  test("runs with priority system-node-critical and requests modest resources", () => {
    const daemonSet = findObject(objects, "DaemonSet");
    expect(at(daemonSet, "spec.template.spec.priorityClassName")).toBe("system-node-critical");
    expect(at(daemonSet, "spec.template.spec.containers[0].resources")).toEqual({
      requests: { cpu: "50m", memory: "100Mi" },
      limits: { memory: "256Mi" },
    });
  });

  test("RBAC grants get on serviceaccounts, nodes and the issuer's discovery URLs only, bound to the DaemonSet's account", () => {
    const role = findObject(objects, "ClusterRole");
    expect(grantsOf(role)).toEqual(["nodes:get", "serviceaccounts:get", ...issuerDiscoveryGrants]);

    const binding = findObject(objects, "ClusterRoleBinding");
    const account = findObject(objects, "ServiceAccount");
    const daemonSet = findObject(objects, "DaemonSet");
    expect(at(binding, "roleRef.name")).toBe(role.metadata?.name);
    expect(at(binding, "subjects[0]")).toEqual({
      kind: "ServiceAccount",
      name: account.metadata?.name,
      namespace: account.metadata?.namespace,
    });
    expect(at(daemonSet, "spec.template.spec.serviceAccountName")).toBe(account.metadata?.name);
    expect(daemonSet.metadata?.namespace).toBe(account.metadata?.namespace);
  });

  test("keeps the upstream installer's names and selector, so it replaces an upstream install", () => {
    const daemonSet = findObject(objects, "DaemonSet", "csi-secrets-store-provider-aws");
    expect(daemonSet.metadata?.namespace).toBe("kube-system");
    expect(at(daemonSet, "spec.selector.matchLabels")).toEqual({
      app: "csi-secrets-store-provider-aws",
    });
    findObject(objects, "ServiceAccount", "csi-secrets-store-provider-aws");
    findObject(objects, "ClusterRole", "csi-secrets-store-provider-aws-cluster-role");
  });
});

describe("the two installers", () => {
  test("differ only in the image, which carries package.json's version", () => {
    const image = "spec.template.spec.containers[0].image";
    const publicDaemonSet = findObject(installer, "DaemonSet");
    const privateDaemonSet = findObject(privateInstaller, "DaemonSet");
    expect(at(publicDaemonSet, image)).toMatch(
      new RegExp(`:${packageVersion.replaceAll(".", "\\.")}$`),
    );
    expect(at(privateDaemonSet, image)).toBe(`${privateRepo}:${packageVersion}`);

    const withoutImage = (objects: KubeObject[]) =>
      objects.map((object) => {
        const clone = copy(object);
        if (clone.kind === "DaemonSet") {
          const container = at(clone, "spec.template.spec.containers[0]") as Record<
            string,
            unknown
          >;
          delete container["image"];
        }
        return clone;
      });
    expect(withoutImage(privateInstaller)).toEqual(withoutImage(installer));
  });

  test("the private installer's only placeholders are PRIVREPO and VERSION", () => {
    const text = readRepoFile(privateInstallerPath);
    const placeholders = new Set(
      text
        .split("\n")
        .filter((line) => !line.trimStart().startsWith("#"))
        .flatMap((line) => [...line.matchAll(/\$\{?\w+\}?/g)].map((match) => match[0])),
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: envsubst syntax, not a JS template
    expect([...placeholders].sort()).toEqual(["${PRIVREPO}", "${VERSION}"]);
  });
});

describe("the hardening rules catch violations", () => {
  const daemonSet = findObject(installer, "DaemonSet");
  const mutate = (
    change: (pod: Record<string, unknown>, container: Record<string, unknown>) => void,
  ) => {
    const clone = copy(daemonSet);
    const pod = at(clone, "spec.template.spec") as Record<string, unknown>;
    change(pod, at(pod, "containers[0]") as Record<string, unknown>);
    return daemonSetProblems(clone);
  };

  test.each<[string, (pod: Record<string, unknown>, container: Record<string, unknown>) => void]>([
    [
      "kubelet hostPath",
      (pod) => {
        (pod["volumes"] as unknown[]).push({
          name: "kubelet",
          hostPath: { path: "/var/lib/kubelet/pods" },
        });
      },
    ],
    [
      "provider writes",
      (_pod, container) => (container["args"] = ["--driver-writes-secrets=false"]),
    ],
    ["no NODE_NAME", (_pod, container) => (container["env"] = [])],
    ["escalation", (_pod, container) => (container["securityContext"] = { privileged: true })],
    [
      "writable root",
      (_pod, container) => {
        (container["securityContext"] as Record<string, unknown>)["readOnlyRootFilesystem"] = false;
      },
    ],
    ["no tolerations", (pod) => (pod["tolerations"] = [{ key: "a", operator: "Exists" }])],
    ["no probes", (_pod, container) => delete container["livenessProbe"]],
    ["host network", (pod) => (pod["hostNetwork"] = true)],
    ["no memory limit", (_pod, container) => (container["resources"] = { requests: { cpu: "1" } })],
  ])("%s", (_name, change) => {
    expect(mutate(change)).not.toEqual([]);
  });

  test("a schema violation is reported", () => {
    const clone = copy(daemonSet);
    (at(clone, "spec.template.spec.containers[0].ports[0]") as Record<string, unknown>)[
      "containerPort"
    ] = "8989";
    expect(validateObject(clone).join()).toContain("containerPort");
  });
});

describe(tokenRequestsPath, () => {
  test("is a schema-valid CSIDriver of the Secrets Store driver", () => {
    const driver = findObject(tokenRequests, "CSIDriver", "secrets-store.csi.k8s.io");
    expect(tokenRequests).toHaveLength(1);
    expect(validateObject(driver)).toEqual([]);
  });

  test("requests both audiences and republishing, with the driver's immutable fields", () => {
    const spec = findObject(tokenRequests, "CSIDriver")["spec"];
    expect(spec).toEqual({
      attachRequired: false,
      podInfoOnMount: true,
      volumeLifecycleModes: ["Ephemeral"],
      tokenRequests: [{ audience: "sts.amazonaws.com" }, { audience: "pods.eks.amazonaws.com" }],
      requiresRepublish: true,
    });
  });
});
