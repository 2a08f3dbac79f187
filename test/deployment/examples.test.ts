/**
 * The examples: every SecretProviderClass passes the provider's own validation (SPEC §3) without
 * problems or warnings, every built-in object its Kubernetes schema, and each Deployment mounts a
 * SecretProviderClass of its file with a ServiceAccount of its file. The provider-writes DaemonSet
 * patch is checked in helm-chart.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { checkSpc } from "../../src/spc/read-spc.ts";
import {
  at,
  findObject,
  hasSchema,
  type KubeObject,
  parseManifests,
  readRepoFile,
  repoRoot,
  validateObject,
} from "./k8s.ts";

/** Every .yaml file under examples/, recursively, relative to the repository root. */
function exampleFiles(dir = join(repoRoot, "examples")): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? exampleFiles(join(dir, entry.name))
        : entry.name.endsWith(".yaml")
          ? [relative(repoRoot, join(dir, entry.name))]
          : [],
    )
    .sort();
}

// Patches are no objects of their own: helm-chart.test.ts applies the provider-writes one with
// `kubectl patch --local` and compares the result with the chart's.
const patchFiles = exampleFiles().filter((file) => file.endsWith("-patch.yaml"));
const files = exampleFiles().filter((file) => !patchFiles.includes(file));
const all = files.map((file) => ({ file, objects: parseManifests(readRepoFile(file), file) }));

test("the only patch is the provider-writes DaemonSet patch, and it holds no SecretProviderClass", () => {
  expect(patchFiles).toEqual(["examples/provider-writes/daemonset-patch.yaml"]);
  const [patch] = parseManifests(readRepoFile(patchFiles[0] ?? ""), "patch");
  expect(patch?.kind).toBeUndefined();
  expect(at(patch, "spec.template.spec.containers[0].name")).toBe("provider-aws-installer");
});
const spcs = all.flatMap(({ objects }) =>
  objects.filter((object) => object.kind === "SecretProviderClass"),
);

test("the examples cover IRSA, Pod Identity, failover, jmesPath and SSM", () => {
  expect(files).toEqual(
    expect.arrayContaining([
      "examples/irsa-secretsmanager.yaml",
      "examples/jmespath.yaml",
      "examples/ssm-parameters.yaml",
      "examples/irsa/irsa-sync-secret.yaml",
      "examples/pod-identity/pod-identity.yaml",
      "examples/failover/failover.yaml",
    ]),
  );
  const parameters = spcs.map(
    (spc) => (at(spc, "spec.parameters") ?? {}) as Record<string, string>,
  );
  expect(parameters.some((p) => p["usePodIdentity"] === "true")).toBe(true);
  expect(
    parameters.some(
      (p) => p["failoverRegion"] !== undefined && p["objects"]?.includes("failoverObject:"),
    ),
  ).toBe(true);
  expect(parameters.some((p) => p["objects"]?.includes("jmesPath:"))).toBe(true);
  expect(parameters.some((p) => p["objects"]?.includes("ssmparameter"))).toBe(true);
});

describe.each(all)("$file", ({ file, objects }) => {
  test("every SecretProviderClass is valid for the provider, without warnings", () => {
    for (const spc of objects.filter((object) => object.kind === "SecretProviderClass")) {
      expect(spc.apiVersion).toBe("secrets-store.csi.x-k8s.io/v1");
      expect(at(spc, "spec.provider")).toBe("aws");
      const parameters = at(spc, "spec.parameters") as Record<string, string>;
      const report = checkSpc(parameters, { defaultMode: 0o644, awsRegion: undefined });
      expect({ file, problems: report.problems, warnings: report.warnings }).toEqual({
        file,
        problems: [],
        warnings: [],
      });
      expect(report.descriptors.length).toBeGreaterThan(0);
    }
  });

  test("every built-in object is schema-valid", () => {
    for (const object of objects.filter((candidate) => candidate.kind !== "SecretProviderClass")) {
      expect(hasSchema(object)).toBe(true);
      expect({ kind: object.kind, problems: validateObject(object) }).toEqual({
        kind: object.kind,
        problems: [],
      });
    }
  });

  test("each Deployment mounts a SecretProviderClass and uses a ServiceAccount of this file", () => {
    for (const deployment of objects.filter((object) => object.kind === "Deployment")) {
      const pod = at(deployment, "spec.template.spec") as Record<string, unknown>;
      const volumes = (pod["volumes"] ?? []) as {
        csi?: { driver?: string; volumeAttributes?: Record<string, string> };
      }[];
      const csi = volumes.map((volume) => volume.csi).filter((source) => source !== undefined);
      expect(csi.length).toBeGreaterThan(0);
      for (const source of csi) {
        expect(source.driver).toBe("secrets-store.csi.k8s.io");
        findObject(
          objects,
          "SecretProviderClass",
          source.volumeAttributes?.["secretProviderClass"],
        );
      }
      findObject(objects, "ServiceAccount", String(pod["serviceAccountName"]));
    }
  });
});

describe("identities", () => {
  const accountsOf = (file: string): KubeObject[] =>
    parseManifests(readRepoFile(file), file).filter((object) => object.kind === "ServiceAccount");

  test("IRSA ServiceAccounts name their role; the Pod Identity one needs no annotation", () => {
    for (const file of [
      "examples/irsa-secretsmanager.yaml",
      "examples/irsa/irsa-sync-secret.yaml",
      "examples/failover/failover.yaml",
    ])
      for (const account of accountsOf(file))
        expect(at(account, "metadata.annotations")).toHaveProperty(["eks.amazonaws.com/role-arn"]);
    for (const account of accountsOf("examples/pod-identity/pod-identity.yaml"))
      expect(at(account, "metadata.annotations")).toBeUndefined();
  });

  test("a broken SecretProviderClass is reported", () => {
    const report = checkSpc(
      {
        region: "us-east-1",
        failoverRegion: "us-west-2",
        objects: "- objectName: a\n  objectType: secretsmanager\n  failoverObject: {objectName: b}",
      },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    expect(report.problems.length).toBeGreaterThan(0);
  });
});
