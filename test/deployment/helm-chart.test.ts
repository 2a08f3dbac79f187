/**
 * The Helm chart, checked by a real `helm` (./helm.ts): `helm lint --strict`, `helm template` over
 * a matrix of values (the defaults, the upstream chart's own values file, each upstream value set
 * on its own), `helm upgrade --reuse-values` of an upstream release, and the rendered objects
 * validated against the Kubernetes schemas, the provider's own flag parser and the kubectl
 * installer. The dependency on the Secrets Store CSI Driver chart is checked against the upstream
 * chart's; renders use the stand-in described in ./helm.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { parseArgs } from "../../src/cli.ts";
import { loadConfig } from "../../src/config.ts";
import { createFakeKubeDiscovery, type FakeKubeDiscovery } from "../fakes/fake-kube-discovery.ts";
import { daemonSetProblems } from "./daemonset-checks.ts";
import {
  chartPath,
  copyChart,
  driverStandInName,
  type RenderValues,
  release,
  renderChart,
  runHelm,
  runHelmAsync,
  runKubectl,
  toValueArgs,
} from "./helm.ts";
import {
  at,
  findObject,
  grantsOf,
  hasSchema,
  issuerDiscoveryGrants,
  type KubeObject,
  packageVersion,
  parseManifests,
  readRepoFile,
  repoRoot,
  validateObject,
} from "./k8s.ts";

const chart = parse(readRepoFile(`${chartPath}/Chart.yaml`)) as Record<string, unknown>;
const chartLock = parse(readRepoFile(`${chartPath}/Chart.lock`)) as Record<string, unknown>;
const values = parse(readRepoFile(`${chartPath}/values.yaml`)) as Record<string, unknown>;
const upstreamChart = parse(readRepoFile("test/fixtures/upstream-chart/Chart.yaml")) as Record<
  string,
  unknown
>;
const upstreamValuesYaml = readRepoFile("test/fixtures/upstream-chart/values.yaml");
const upstreamValues = parse(upstreamValuesYaml) as Record<string, unknown>;
const driverKey = "secrets-store-csi-driver";
/** Our build's image: the chart refuses the upstream provider's (see "upstream's image"). */
const ourImage = {
  repository: "111122223333.dkr.ecr.us-west-2.amazonaws.com/provider",
  tag: "9.9.9",
};
const ourImageArgs = [`image.repository=${ourImage.repository}`, `image.tag=${ourImage.tag}`];

// ── Accessors of a render ─────────────────────────────────────────────────────────────────────

type Container = {
  image?: string;
  imagePullPolicy?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { containerPort?: number }[];
  resources?: unknown;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; mountPropagation?: string }[];
};

const daemonSetOf = (objects: readonly KubeObject[]) => findObject(objects, "DaemonSet");
const podOf = (objects: readonly KubeObject[]) =>
  at(daemonSetOf(objects), "spec.template.spec") as Record<string, unknown>;
const containerOf = (objects: readonly KubeObject[]) =>
  at(podOf(objects), "containers[0]") as Container;
/** The container's `--flag=value` arguments. */
const flagsOf = (objects: readonly KubeObject[]): Record<string, string> =>
  Object.fromEntries(
    (containerOf(objects).args ?? []).map((arg) => {
      const [name = "", ...rest] = arg.replace(/^--/, "").split("=");
      return [name, rest.join("=")];
    }),
  );
const envOf = (objects: readonly KubeObject[]): Record<string, unknown> =>
  Object.fromEntries((containerOf(objects).env ?? []).map((v) => [v.name, v.value ?? v.valueFrom]));
const hostPathsOf = (objects: readonly KubeObject[]) =>
  ((podOf(objects)["volumes"] ?? []) as { hostPath?: { path: string } }[])
    .map((volume) => volume.hostPath?.path)
    .filter((path) => path !== undefined);
const grantsOfChart = (objects: readonly KubeObject[]) =>
  grantsOf(findObject(objects, "ClusterRole"));
/** The values the driver's chart (the stand-in) received, or undefined when it was disabled. */
const driverValuesOf = (objects: readonly KubeObject[]) => {
  const configMap = objects.find((object) => object.metadata?.name === driverStandInName);
  return configMap === undefined
    ? undefined
    : (JSON.parse(String(at(configMap, "data.values"))) as Record<string, unknown>);
};

/**
 * What every render must satisfy: each object schema-valid, the provider's own command-line
 * parser accepts the container's arguments, and the kubelet hostPath is mounted exactly when the
 * provider writes the files.
 */
function expectDeployable(objects: readonly KubeObject[]): void {
  for (const object of objects) {
    if (object.metadata?.name === driverStandInName) continue;
    if (object.kind === "ServiceMonitor") continue; // a CRD: no schema in kubernetes-models
    expect({ kind: object.kind, schema: hasSchema(object) }).toEqual({
      kind: object.kind,
      schema: true,
    });
    expect({ kind: object.kind, problems: validateObject(object) }).toEqual({
      kind: object.kind,
      problems: [],
    });
  }
  const args = containerOf(objects).args ?? [];
  const parsed = parseArgs(args);
  expect({ args, parsed: parsed.ok && parsed.command }).toEqual({ args, parsed: "run" });
  const flags = flagsOf(objects);
  const writesFiles = flags["driver-writes-secrets"] === "false";
  const kubeletMounts = (containerOf(objects).volumeMounts ?? []).filter(
    (mount) => mount.name === "mountpoint-dir",
  );
  expect(kubeletMounts.length).toBe(writesFiles ? 1 : 0);
  if (writesFiles) {
    expect(kubeletMounts[0]?.mountPropagation).toBe("HostToContainer");
    expect(kubeletMounts[0]?.mountPath).toBe(`${flags["kubelet-path"]}/pods`);
    expect(hostPathsOf(objects)).toContain(`${flags["kubelet-path"]}/pods`);
  } else {
    expect(flags["kubelet-path"]).toBeUndefined();
  }
}

// ── Chart.yaml, Chart.lock and the driver dependency ─────────────────────────────────────────

describe("Chart.yaml", () => {
  test("is a v2 application chart whose appVersion is package.json's version", () => {
    expect(chart["apiVersion"]).toBe("v2");
    expect(chart["name"]).toBe(upstreamChart["name"]);
    expect(chart["type"]).toBe("application");
    expect(chart["appVersion"]).toBe(packageVersion);
    expect(String(chart["version"])).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("declares the upstream chart's dependency on the driver chart, field for field", () => {
    expect(chart["dependencies"]).toEqual(upstreamChart["dependencies"]);
    expect(chart["dependencies"]).toEqual([
      {
        name: driverKey,
        repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
        version: "^1",
        condition: `${driverKey}.install`,
      },
    ]);
  });

  test("installs the driver by default with upstream's values for it", () => {
    expect(values[driverKey]).toEqual(upstreamValues[driverKey]);
    expect(at(values, `${driverKey}.install`)).toBe(true);
  });

  test("Chart.lock pins a 1.x driver and its digest is Helm's hash of Chart.yaml's dependencies", () => {
    const locked = chartLock["dependencies"] as {
      name: string;
      repository: string;
      version: string;
    }[];
    expect(locked).toEqual([
      {
        name: driverKey,
        repository: "https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
        version: expect.stringMatching(/^1\.\d+\.\d+$/),
      },
    ]);
    // Helm's resolver.HashReq: sha256 of the JSON of [Chart.yaml dependencies, locked ones], with
    // the fields in the order of Go's chart.Dependency struct.
    const requested = (chart["dependencies"] as Record<string, string>[]).map((d) => ({
      name: d["name"],
      version: d["version"],
      repository: d["repository"],
      condition: d["condition"],
    }));
    const lockedInGoOrder = locked.map((d) => ({
      name: d.name,
      version: d.version,
      repository: d.repository,
    }));
    const hash = createHash("sha256")
      .update(JSON.stringify([requested, lockedInGoOrder]))
      .digest("hex");
    expect(chartLock["digest"]).toBe(`sha256:${hash}`);
  });

  test("helm dependency build finds Chart.lock in sync and asks for the driver's repository", () => {
    using copy = copyChart({ withDriverStandIn: false });
    const result = runHelm(["dependency", "build", copy.dir]);
    expect(result.exitCode).not.toBe(0);
    // Offline and without `helm repo add`, Helm stops before any download.
    expect(result.stderr).toContain(
      "no repository definition for https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts",
    );
    expect(result.stderr).not.toContain("out of sync");
  });
});

describe("the driver dependency", () => {
  test("is rendered by default, named and with token audiences as in upstream's releases", () => {
    const driver = driverValuesOf(renderChart());
    expect(driver).toMatchObject({
      fullnameOverride: "secrets-store-csi-driver",
      tokenRequests: [{ audience: "sts.amazonaws.com" }, { audience: "pods.eks.amazonaws.com" }],
    });
  });

  test("is left out with secrets-store-csi-driver.install=false", () => {
    const objects = renderChart({ set: [`${driverKey}.install=false`] });
    expect(driverValuesOf(objects)).toBeUndefined();
    expect(objects.map((object) => object.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "DaemonSet",
      "Service",
      "ServiceAccount",
    ]);
  });

  test("must be in charts/ for Helm even when disabled: helm dependency build first", () => {
    using copy = copyChart({ withDriverStandIn: false });
    const result = runHelm([
      "template",
      release.name,
      copy.dir,
      "--set",
      `${driverKey}.install=false`,
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("missing in charts/ directory: secrets-store-csi-driver");
    expect(result.stderr).toContain("helm dependency build");
  });
});

// ── helm lint ─────────────────────────────────────────────────────────────────────────────────

describe("helm lint --strict", () => {
  test.each([
    ["the defaults", [] as string[]],
    ["the upstream chart's values", ["-f", "UPSTREAM", "--set", ourImageArgs.join(",")]],
    ["provider-writes mode", ["--set", "driverWritesSecrets=false"]],
    ["a ServiceMonitor", ["--set", "metrics.serviceMonitor.enabled=true"]],
  ])("passes with %s", (_name, args) => {
    using copy = copyChart();
    const upstreamFile = join(copy.dir, "..", "upstream-values.yaml");
    writeFileSync(upstreamFile, upstreamValuesYaml);
    const result = runHelm([
      "lint",
      "--strict",
      copy.dir,
      ...args.map((arg) => (arg === "UPSTREAM" ? upstreamFile : arg)),
    ]);
    expect({ exitCode: result.exitCode, output: result.stdout + result.stderr }).toEqual({
      exitCode: 0,
      output: expect.not.stringMatching(/\[(WARNING|ERROR)\]/),
    });
  });

  test("of the chart as committed, warns only that the driver chart is not in charts/ yet", () => {
    const result = runHelm(["lint", chartPath]);
    const findings = result.stdout.split("\n").filter((line) => /\[(WARNING|ERROR)\]/.test(line));
    expect(findings).toEqual([
      expect.stringContaining(
        "chart directory is missing these dependencies: secrets-store-csi-driver",
      ),
    ]);
  });
});

// ── The render matrix ─────────────────────────────────────────────────────────────────────────

describe("helm template with the defaults", () => {
  const objects = renderChart();

  test("renders the ServiceAccount, RBAC, metrics Service and DaemonSet, all deployable", () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata?.name}`).sort()).toEqual([
      `ClusterRole/provider-secrets-store-csi-driver-provider-aws-cluster-role`,
      `ClusterRoleBinding/provider-secrets-store-csi-driver-provider-aws-cluster-role-binding`,
      `ConfigMap/${driverStandInName}`,
      `DaemonSet/provider-secrets-store-csi-driver-provider-aws`,
      `Service/provider-secrets-store-csi-driver-provider-aws-metrics`,
      `ServiceAccount/provider-secrets-store-csi-driver-provider-aws`,
    ]);
    expectDeployable(objects);
  });

  test("the DaemonSet follows every hardening rule", () => {
    expect(daemonSetProblems(daemonSetOf(objects))).toEqual([]);
  });

  test("RBAC is get on serviceaccounts, nodes and the issuer's discovery URLs, bound to the DaemonSet's account", () => {
    expect(grantsOfChart(objects)).toEqual([
      "nodes:get",
      "serviceaccounts:get",
      ...issuerDiscoveryGrants,
    ]);
    const account = findObject(objects, "ServiceAccount");
    expect(at(findObject(objects, "ClusterRoleBinding"), "subjects[0]")).toEqual({
      kind: "ServiceAccount",
      name: account.metadata?.name,
      namespace: release.namespace,
    });
    expect(podOf(objects)["serviceAccountName"]).toBe(account.metadata?.name);
  });

  test("the image defaults to the chart's appVersion", () => {
    expect(containerOf(objects).image).toBe(
      `registry.example.com/secrets-store-csi-driver-provider-aws:${packageVersion}`,
    );
  });
});

describe("helm template with the upstream chart's values file", () => {
  // A user who passes the values file of upstream's chart to this one: upstream's meaning.
  const objects = renderChart({ files: [upstreamValuesYaml], set: ourImageArgs });

  test("renders deployable objects in upstream's provider-writes mode", () => {
    expectDeployable(objects);
    expect(flagsOf(objects)["driver-writes-secrets"]).toBe("false");
    expect(flagsOf(objects)["kubelet-path"]).toBe("/var/lib/kubelet");
  });

  test("keeps upstream's resources, tolerations and priority; the driver is rendered", () => {
    expect(containerOf(objects).resources).toEqual(upstreamValues["resources"]);
    expect(podOf(objects)["tolerations"]).toBeUndefined();
    expect(podOf(objects)["priorityClassName"]).toBeUndefined();
    expect(driverValuesOf(objects)).toMatchObject({ fullnameOverride: "secrets-store-csi-driver" });
  });

  test("upstream's image is refused with a message that says what to do", () => {
    expect(() => renderChart({ files: [upstreamValuesYaml] })).toThrow(
      "image.repository is the upstream provider's image, which does not take this chart's flags: set image.repository and image.tag to your build of this provider",
    );
  });
});

/** One upstream chart value set on its own, and what it must mean in the render. */
interface UpstreamOverride {
  /** The upstream values this case sets (for the coverage test). */
  covers: string[];
  /** The values, as a `-f` file (and as the upstream release's user values in the upgrade test). */
  values: Record<string, unknown>;
  expectMeaning(objects: readonly KubeObject[]): void;
}

const upstreamOverrides: Record<string, UpstreamOverride> = {
  "image.repository, image.tag, image.pullPolicy": {
    covers: ["image"],
    values: { image: { repository: "example.com/p", tag: "1.2.3", pullPolicy: "Always" } },
    expectMeaning: (objects) => {
      expect(containerOf(objects).image).toBe("example.com/p:1.2.3");
      expect(containerOf(objects).imagePullPolicy).toBe("Always");
    },
  },
  awsRegion: {
    covers: ["awsRegion"],
    values: { awsRegion: "eu-west-1" },
    expectMeaning: (objects) => {
      expect(envOf(objects)["AWS_REGION"]).toBe("eu-west-1");
      expect(grantsOfChart(objects)).toEqual(["serviceaccounts:get", ...issuerDiscoveryGrants]);
    },
  },
  nameOverride: {
    covers: ["nameOverride"],
    values: { nameOverride: "aws-provider" },
    expectMeaning: (objects) => {
      expect(daemonSetOf(objects).metadata?.name).toBe(`${release.name}-aws-provider`);
      expect(at(daemonSetOf(objects), "spec.selector.matchLabels")).toEqual({
        app: "aws-provider",
      });
    },
  },
  fullnameOverride: {
    covers: ["fullnameOverride"],
    values: { fullnameOverride: "my-provider" },
    expectMeaning: (objects) => {
      expect(daemonSetOf(objects).metadata?.name).toBe("my-provider");
      expect(findObject(objects, "ClusterRole").metadata?.name).toBe("my-provider-cluster-role");
      expect(podOf(objects)["serviceAccountName"]).toBe("my-provider");
    },
  },
  providerVolume: {
    covers: ["providerVolume"],
    values: { providerVolume: "/etc/kubernetes/secrets-store-csi-providers" },
    expectMeaning: (objects) => {
      expect(flagsOf(objects)["provider-volume"]).toBe(
        "/etc/kubernetes/secrets-store-csi-providers",
      );
      expect(hostPathsOf(objects)).toContain("/etc/kubernetes/secrets-store-csi-providers");
    },
  },
  "driverWritesSecrets: false, kubeletPath": {
    covers: ["driverWritesSecrets", "kubeletPath"],
    values: { driverWritesSecrets: false, kubeletPath: "/var/lib/k0s/kubelet/" },
    expectMeaning: (objects) => {
      expect(flagsOf(objects)["driver-writes-secrets"]).toBe("false");
      expect(flagsOf(objects)["kubelet-path"]).toBe("/var/lib/k0s/kubelet");
      expect(hostPathsOf(objects)).toContain("/var/lib/k0s/kubelet/pods");
    },
  },
  "driverWritesSecrets: true": {
    covers: ["driverWritesSecrets"],
    values: { driverWritesSecrets: true },
    expectMeaning: (objects) => {
      expect(flagsOf(objects)["driver-writes-secrets"]).toBe("true");
      expect(hostPathsOf(objects)).toEqual(["/var/run/secrets-store-csi-providers"]);
    },
  },
  "commonLabels, podLabels, podAnnotations": {
    covers: ["commonLabels", "podLabels", "podAnnotations"],
    values: {
      commonLabels: { team: "platform" },
      podLabels: { tier: "node" },
      podAnnotations: { "example.com/scrape": "yes" },
    },
    expectMeaning: (objects) => {
      for (const object of objects.filter((o) => o.metadata?.name !== driverStandInName))
        expect({ kind: object.kind, team: at(object, "metadata.labels.team") }).toEqual({
          kind: object.kind,
          team: "platform",
        });
      const template = at(daemonSetOf(objects), "spec.template.metadata") as Record<
        string,
        unknown
      >;
      expect(at(template, "labels.tier")).toBe("node");
      expect(template["annotations"]).toEqual({ "example.com/scrape": "yes" });
    },
  },
  "affinity: null": {
    // As with any chart: a Kubernetes field set to null is left out ({} would merge the default).
    covers: ["affinity"],
    values: { affinity: null },
    expectMeaning: (objects) => expect(podOf(objects)["affinity"]).toBeUndefined(),
  },
  "resources: upstream's 50m / 100Mi": {
    covers: ["resources"],
    values: { resources: upstreamValues["resources"] },
    expectMeaning: (objects) =>
      expect(containerOf(objects).resources).toEqual({
        requests: { cpu: "50m", memory: "100Mi" },
        limits: { cpu: "50m", memory: "100Mi" },
      }),
  },
  priorityClassName: {
    covers: ["priorityClassName"],
    values: { priorityClassName: "system-cluster-critical" },
    expectMeaning: (objects) =>
      expect(podOf(objects)["priorityClassName"]).toBe("system-cluster-critical"),
  },
  'priorityClassName: ""': {
    covers: ["priorityClassName"],
    values: { priorityClassName: "" },
    expectMeaning: (objects) => expect(podOf(objects)["priorityClassName"]).toBeUndefined(),
  },
  nodeSelector: {
    covers: ["nodeSelector"],
    values: { nodeSelector: { pool: "secrets" } },
    expectMeaning: (objects) =>
      expect(podOf(objects)["nodeSelector"]).toEqual({
        "kubernetes.io/os": "linux",
        pool: "secrets",
      }),
  },
  tolerations: {
    covers: ["tolerations"],
    values: { tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }] },
    expectMeaning: (objects) =>
      expect(podOf(objects)["tolerations"]).toEqual([
        { key: "dedicated", operator: "Exists", effect: "NoSchedule" },
      ]),
  },
  "tolerations: []": {
    covers: ["tolerations"],
    values: { tolerations: [] },
    expectMeaning: (objects) => expect(podOf(objects)["tolerations"]).toBeUndefined(),
  },
  port: {
    // Upstream declares `port` and no template of its chart reads it; here neither.
    covers: ["port"],
    values: { port: 9999 },
    expectMeaning: (objects) => expect(flagsOf(objects)["metrics-address"]).toBe(":8989"),
  },
  "updateStrategy: OnDelete": {
    covers: ["updateStrategy"],
    values: { updateStrategy: { type: "OnDelete" } },
    // The API server refuses rollingUpdate next to OnDelete; the schema does not say so.
    expectMeaning: (objects) =>
      expect(at(daemonSetOf(objects), "spec.updateStrategy")).toEqual({ type: "OnDelete" }),
  },
  imagePullSecrets: {
    covers: ["imagePullSecrets"],
    values: { imagePullSecrets: [{ name: "regcred" }] },
    expectMeaning: (objects) =>
      expect(podOf(objects)["imagePullSecrets"]).toEqual([{ name: "regcred" }]),
  },
  "rbac.install: false, rbac.serviceAccountName": {
    covers: ["rbac"],
    values: { rbac: { install: false, serviceAccountName: "existing" } },
    expectMeaning: (objects) => {
      expect(objects.map((object) => object.kind)).not.toContain("ClusterRole");
      expect(objects.map((object) => object.kind)).not.toContain("ServiceAccount");
      expect(podOf(objects)["serviceAccountName"]).toBe("existing");
    },
  },
  "rbac.serviceAccountName": {
    covers: ["rbac"],
    values: { rbac: { serviceAccountName: "custom" } },
    expectMeaning: (objects) => {
      expect(findObject(objects, "ServiceAccount").metadata?.name).toBe("custom");
      expect(at(findObject(objects, "ClusterRoleBinding"), "subjects[0].name")).toBe("custom");
    },
  },
  "securityContext: upstream's": {
    covers: ["securityContext"],
    values: { securityContext: upstreamValues["securityContext"] },
    // Merged over the defaults like any map value: still uid 0 (which upstream's image runs as,
    // and which can create the socket), and no capability.
    expectMeaning: (objects) =>
      expect(containerOf(objects).securityContext).toMatchObject({
        privileged: false,
        allowPrivilegeEscalation: false,
        runAsUser: 0,
        capabilities: { drop: ["ALL"] },
      }),
  },
  useFipsEndpoint: {
    covers: ["useFipsEndpoint"],
    values: { useFipsEndpoint: true },
    expectMeaning: (objects) => expect(envOf(objects)["AWS_USE_FIPS_ENDPOINT"]).toBe("true"),
  },
  podIdentityHttpTimeout: {
    covers: ["podIdentityHttpTimeout"],
    values: { podIdentityHttpTimeout: "500ms" },
    expectMeaning: (objects) => expect(flagsOf(objects)["pod-identity-http-timeout"]).toBe("500ms"),
  },
  "podIdentityHttpTimeout: null (upstream's default)": {
    covers: ["podIdentityHttpTimeout"],
    values: { podIdentityHttpTimeout: null },
    expectMeaning: (objects) =>
      expect(flagsOf(objects)["pod-identity-http-timeout"]).toBeUndefined(),
  },
  "dnsConfig, dnsPolicy": {
    covers: ["dnsConfig", "dnsPolicy"],
    values: { dnsPolicy: "None", dnsConfig: { nameservers: ["10.0.0.10"] } },
    expectMeaning: (objects) => {
      expect(podOf(objects)["dnsPolicy"]).toBe("None");
      expect(podOf(objects)["dnsConfig"]).toEqual({ nameservers: ["10.0.0.10"] });
    },
  },
  k8sThrottlingParams: {
    covers: ["k8sThrottlingParams"],
    values: { k8sThrottlingParams: { qps: 1000000, burst: 20 } },
    expectMeaning: (objects) => {
      expect(flagsOf(objects)["qps"]).toBe("1000000");
      expect(flagsOf(objects)["burst"]).toBe("20");
    },
  },
  "k8sThrottlingParams.qps: 0": {
    // Upstream passes no --qps for 0; the provider's default (5) applies.
    covers: ["k8sThrottlingParams"],
    values: { k8sThrottlingParams: { qps: 0 } },
    expectMeaning: (objects) => expect(flagsOf(objects)["qps"]).toBeUndefined(),
  },
  eksAddonVersion: {
    covers: ["eksAddonVersion"],
    values: { eksAddonVersion: "v3.1.1-eksbuild.1" },
    expectMeaning: (objects) =>
      expect(flagsOf(objects)["eks-addon-version"]).toBe("v3.1.1-eksbuild.1"),
  },
  "secrets-store-csi-driver.install: false": {
    covers: [driverKey],
    values: { [driverKey]: { install: false } },
    expectMeaning: (objects) => expect(driverValuesOf(objects)).toBeUndefined(),
  },
  "secrets-store-csi-driver.tokenRequests": {
    covers: [driverKey],
    values: { [driverKey]: { tokenRequests: [{ audience: "sts.amazonaws.com" }] } },
    expectMeaning: (objects) =>
      expect(driverValuesOf(objects)?.["tokenRequests"]).toEqual([
        { audience: "sts.amazonaws.com" },
      ]),
  },
};

test("the overrides cover every value of the upstream chart, and those its templates read", () => {
  const covered = new Set(Object.values(upstreamOverrides).flatMap((override) => override.covers));
  // Read by upstream's templates without a default in its values.yaml.
  const templateOnly = ["dnsPolicy", "k8sThrottlingParams", "eksAddonVersion"];
  expect(
    [...Object.keys(upstreamValues), ...templateOnly].filter((key) => !covered.has(key)),
  ).toEqual([]);
});

describe.each(Object.entries(upstreamOverrides))("helm template with %s", (_name, override) => {
  const objects = renderChart({ files: [JSON.stringify(override.values)] });
  test("renders deployable objects", () => expectDeployable(objects));
  test("with the upstream chart's meaning", () => override.expectMeaning(objects));
});

describe("helm template with values given on the command line", () => {
  test("--set k8sThrottlingParams=null leaves the provider's defaults", () => {
    const objects = renderChart({ set: ["k8sThrottlingParams=null"] });
    expectDeployable(objects);
    expect([flagsOf(objects)["qps"], flagsOf(objects)["burst"]]).toEqual(["5", "10"]);
  });

  test("--set-json numbers render as whole numbers, not 1e+06", () => {
    const objects = renderChart({
      setJson: ['k8sThrottlingParams={"qps":1000000,"burst":2000000}'],
    });
    expectDeployable(objects);
    expect([flagsOf(objects)["qps"], flagsOf(objects)["burst"]]).toEqual(["1000000", "2000000"]);
  });

  test("--set-string driverWritesSecrets=false is provider-writes mode, with the kubelet hostPath", () => {
    const objects = renderChart({ setString: ["driverWritesSecrets=false"] });
    expectDeployable(objects);
    expect(flagsOf(objects)["driver-writes-secrets"]).toBe("false");
    expect(hostPathsOf(objects)).toContain("/var/lib/kubelet/pods");
  });

  test("--set-string of the other booleans means what the words say", () => {
    const objects = renderChart({
      setString: [
        "useFipsEndpoint=false",
        "useNodeNameEnv=False",
        "rbac.install=TRUE",
        "metrics.enabled=false",
      ],
    });
    expectDeployable(objects);
    expect(envOf(objects)).not.toHaveProperty("AWS_USE_FIPS_ENDPOINT");
    expect(envOf(objects)).not.toHaveProperty("NODE_NAME");
    expect(grantsOfChart(objects)).toEqual([
      "nodes:get",
      "pods:get",
      "serviceaccounts:get",
      ...issuerDiscoveryGrants,
    ]);
    expect(objects.map((object) => object.kind)).not.toContain("Service");
  });

  test.each([
    [
      ["--set-string", "driverWritesSecrets=maybe"],
      'driverWritesSecrets must be true or false, got "maybe"',
    ],
    [
      ["--set-json", 'k8sThrottlingParams={"qps":2.5}'],
      "k8sThrottlingParams.qps must be a whole number, got 2.5",
    ],
    [["--set", "metrics.port=http"], 'metrics.port must be a whole number, got "http"'],
  ])("%p fails with a message naming the value", (args, message) => {
    using copy = copyChart();
    const result = runHelm(["template", release.name, copy.dir, ...args]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  test("a ServiceMonitor selects the metrics Service of this release", () => {
    const objects = renderChart({
      set: ["metrics.serviceMonitor.enabled=true", "metrics.port=9090"],
    });
    expectDeployable(objects);
    const monitor = findObject(objects, "ServiceMonitor");
    const service = findObject(objects, "Service");
    expect(at(monitor, "spec.endpoints[0]")).toMatchObject({ port: "metrics", path: "/metrics" });
    expect(at(service, "spec.ports[0].port")).toBe(9090);
    expect(flagsOf(objects)["metrics-address"]).toBe(":9090");
  });

  test("useNodeNameEnv=false adds get on pods; awsRegion drops nodes and pods, never the issuer's URLs", () => {
    expect(grantsOfChart(renderChart({ set: ["useNodeNameEnv=false"] }))).toEqual([
      "nodes:get",
      "pods:get",
      "serviceaccounts:get",
      ...issuerDiscoveryGrants,
    ]);
    expect(
      grantsOfChart(renderChart({ set: ["useNodeNameEnv=false", "awsRegion=us-east-1"] })),
    ).toEqual(["serviceaccounts:get", ...issuerDiscoveryGrants]);
  });
});

// ── helm upgrade of an upstream release ───────────────────────────────────────────────────────

describe("helm upgrade of an upstream release", () => {
  let discovery: FakeKubeDiscovery;
  let dir: string;
  beforeAll(() => {
    discovery = createFakeKubeDiscovery();
    dir = mkdtempSync(join(tmpdir(), "helm-upgrade-"));
  });
  afterAll(async () => {
    await discovery.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * `helm upgrade --dry-run=client` of a deployed upstream 3.1.1 release, kept by Helm's memory
   * storage driver: the release holds upstream's values.yaml as its chart's values and `config` as
   * the user's, as a cluster's release Secret would. Helm asks the fake API server only for
   * discovery. Returns the objects and the values Helm rendered with.
   */
  async function upgrade(
    config: Record<string, unknown>,
    args: string[],
    values: RenderValues = {},
  ) {
    const upstreamRelease = {
      name: release.name,
      namespace: release.namespace,
      version: 1,
      info: {
        status: "deployed",
        first_deployed: "2026-01-01T00:00:00Z",
        last_deployed: "2026-01-01T00:00:00Z",
      },
      chart: { metadata: upstreamChart, values: upstreamValues, templates: [] },
      config,
      manifest: "",
    };
    const releases = join(dir, "releases.json");
    writeFileSync(releases, JSON.stringify([upstreamRelease]));
    using copy = copyChart();
    const result = await runHelmAsync(
      [
        "upgrade",
        release.name,
        copy.dir,
        "--namespace",
        release.namespace,
        "--dry-run=client",
        "--output",
        "json",
        ...args,
        ...toValueArgs(values, dir),
      ],
      {
        env: {
          HELM_DRIVER: "memory",
          HELM_MEMORY_DRIVER_DATA: releases,
          HELM_KUBEAPISERVER: discovery.url,
        },
      },
    );
    if (result.exitCode !== 0) throw new Error(`helm upgrade failed: ${result.stderr.trim()}`);
    const upgraded = JSON.parse(result.stdout) as { manifest: string; info: { notes: string } };
    return {
      objects: parseManifests(upgraded.manifest, "helm upgrade"),
      notes: upgraded.info.notes,
    };
  }

  test("--reuse-values without a new image fails, naming the fix", async () => {
    await expect(upgrade({}, ["--reuse-values"])).rejects.toThrow(
      "image.repository is the upstream provider's image",
    );
  });

  test("--reuse-values renders upstream's configuration with this provider, and keeps the driver", async () => {
    const { objects, notes } = await upgrade({}, ["--reuse-values"], { set: ourImageArgs });
    expectDeployable(objects);
    expect(containerOf(objects).image).toBe(`${ourImage.repository}:${ourImage.tag}`);
    // Upstream's defaults, with their meaning: provider-writes mode, its resources, no tolerations.
    expect(flagsOf(objects)["driver-writes-secrets"]).toBe("false");
    expect(containerOf(objects).resources).toEqual(upstreamValues["resources"]);
    expect(podOf(objects)["tolerations"]).toBeUndefined();
    // The selector cannot change on an upgrade: it is upstream's.
    expect(at(daemonSetOf(objects), "spec.selector.matchLabels")).toEqual({
      app: "secrets-store-csi-driver-provider-aws",
    });
    expect(daemonSetOf(objects).metadata?.name).toBe(
      `${release.name}-secrets-store-csi-driver-provider-aws`,
    );
    // This chart's own settings take their defaults.
    expect(flagsOf(objects)).toMatchObject({
      "metrics-address": ":8989",
      "log-level": "info",
      "cache-ttl": "60s",
    });
    expect(containerOf(objects).securityContext).toMatchObject({
      runAsUser: 0,
      readOnlyRootFilesystem: true,
    });
    expect(driverValuesOf(objects)).toMatchObject({
      fullnameOverride: "secrets-store-csi-driver",
      tokenRequests: [{ audience: "sts.amazonaws.com" }, { audience: "pods.eks.amazonaws.com" }],
    });
    expect(notes).toContain("The Secrets Store CSI Driver is part of this release");
  });

  test("--reset-then-reuse-values takes this chart's defaults under the user's upstream values", async () => {
    const { objects } = await upgrade({ awsRegion: "eu-west-1", podIdentityHttpTimeout: "2s" }, [
      "--reset-then-reuse-values",
    ]);
    expectDeployable(objects);
    expect(daemonSetProblems(daemonSetOf(objects))).toEqual([]);
    expect(envOf(objects)["AWS_REGION"]).toBe("eu-west-1");
    expect(flagsOf(objects)["pod-identity-http-timeout"]).toBe("2s");
    expect(driverValuesOf(objects)).toMatchObject({ fullnameOverride: "secrets-store-csi-driver" });
  });

  test("--reuse-values of a release that had the driver disabled keeps it disabled", async () => {
    const { objects, notes } = await upgrade(
      { [driverKey]: { install: false } },
      ["--reuse-values"],
      {
        set: ourImageArgs,
      },
    );
    expect(driverValuesOf(objects)).toBeUndefined();
    expect(notes).toContain("The Secrets Store CSI Driver is not part of this release");
  });

  describe.each(
    Object.entries(upstreamOverrides).filter(([, override]) => !override.covers.includes("image")),
  )("--reuse-values of a release that set %s", (_name, override) => {
    test("renders deployable objects with the upstream chart's meaning", async () => {
      const { objects } = await upgrade(override.values, ["--reuse-values"], { set: ourImageArgs });
      expectDeployable(objects);
      override.expectMeaning(objects);
    });
  });

  test("Helm asked the fake API server for discovery only", () => {
    expect(new Set(discovery.requests)).toEqual(new Set(["/version", "/api", "/apis", "/api/v1"]));
  });
});

// ── The chart against the kubectl installer ───────────────────────────────────────────────────

describe("the chart's DaemonSet and the kubectl installer's", () => {
  const installerPath = "deployment/aws-provider-installer.yaml";
  const installerDaemonSet = findObject(
    parseManifests(readRepoFile(installerPath), installerPath),
    "DaemonSet",
  );
  const installerImage = String(at(installerDaemonSet, "spec.template.spec.containers[0].image"));
  const [repository, tag] = installerImage.split(/:(?=[^:]+$)/);
  /** The chart rendered under the installer's names and image. */
  const renderAsInstaller = (set: string[] = []) =>
    daemonSetOf(
      renderChart({
        set: [
          "fullnameOverride=csi-secrets-store-provider-aws",
          "nameOverride=csi-secrets-store-provider-aws",
          `image.repository=${repository}`,
          `image.tag=${tag}`,
          ...set,
        ],
      }),
    );

  /** The provider's Config from a container's arguments and the environment it would see. */
  const configOf = (daemonSet: KubeObject) => {
    const parsed = parseArgs(
      (at(daemonSet, "spec.template.spec.containers[0].args") ?? []) as string[],
    );
    if (!parsed.ok || parsed.command !== "run")
      throw new Error(`bad arguments: ${JSON.stringify(parsed)}`);
    return loadConfig(parsed.flags, {});
  };

  /** The DaemonSet without its labels (the chart adds Helm's) and arguments (see configOf). */
  const comparable = (daemonSet: KubeObject) => {
    const clone = structuredClone(daemonSet);
    delete clone.metadata?.["labels"];
    delete (at(clone, "spec.template") as Record<string, unknown>)["metadata"];
    delete (at(clone, "spec.template.spec.containers[0]") as Record<string, unknown>)["args"];
    return clone;
  };

  test("are the same DaemonSet, and the provider runs with the same configuration", () => {
    const rendered = renderAsInstaller();
    expect(comparable(rendered)).toEqual(comparable(installerDaemonSet));
    expect(configOf(rendered)).toEqual(configOf(installerDaemonSet));
  });

  test("in provider-writes mode, the chart equals the installer patched as examples/provider-writes says", () => {
    const dir = mkdtempSync(join(tmpdir(), "patch-"));
    try {
      const file = join(dir, "daemonset.yaml");
      writeFileSync(file, JSON.stringify(installerDaemonSet));
      const patched = runKubectl([
        "patch",
        "--local",
        "-f",
        file,
        "--patch-file",
        join(repoRoot, "examples/provider-writes/daemonset-patch.yaml"),
        "-o",
        "json",
      ]);
      expect(patched.stderr).toBe("");
      const patchedDaemonSet = JSON.parse(patched.stdout) as KubeObject;
      const rendered = renderAsInstaller(["driverWritesSecrets=false"]);
      const byName = (list: unknown) =>
        [...((list ?? []) as { name: string }[])].sort((a, b) => a.name.localeCompare(b.name));
      for (const daemonSet of [patchedDaemonSet, rendered]) {
        const pod = at(daemonSet, "spec.template.spec") as Record<string, unknown>;
        const container = at(pod, "containers[0]") as Record<string, unknown>;
        pod["volumes"] = byName(pod["volumes"]);
        container["volumeMounts"] = byName(container["volumeMounts"]);
      }
      expect(comparable(rendered)).toEqual(comparable(patchedDaemonSet));
      expect(configOf(rendered)).toEqual(configOf(patchedDaemonSet));
      expect(configOf(rendered)).toMatchObject({
        driverWritesSecrets: false,
        kubeletPath: "/var/lib/kubelet",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ── values.yaml and the templates ─────────────────────────────────────────────────────────────

describe("values", () => {
  // _defaults.tpl is left out: it names every value.
  const templateFiles = [
    "_helpers.tpl",
    "NOTES.txt",
    "clusterrole.yaml",
    "clusterrolebinding.yaml",
    "daemonset.yaml",
    "service.yaml",
    "serviceaccount.yaml",
    "servicemonitor.yaml",
  ];
  const templateText = templateFiles
    .map((file) => readRepoFile(`${chartPath}/templates/${file}`))
    .join("\n");

  /** Every path of a values tree, at every depth (`metrics`, `metrics.port`, …). */
  const valuePaths = (value: unknown, prefix = ""): string[] => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
    return Object.entries(value).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return [path, ...valuePaths(child, path)];
    });
  };

  test("the templates' defaults are values.yaml's, but for the driver's block", () => {
    const defaultsTemplate = readRepoFile(`${chartPath}/templates/_defaults.tpl`);
    const body = /\{\{- define "provider\.defaults" -\}\}\n([\s\S]*?)\{\{- end -\}\}/.exec(
      defaultsTemplate,
    )?.[1];
    const { [driverKey]: _driver, ...ours } = values;
    expect({ "templates/_defaults.tpl must repeat values.yaml": parse(body ?? "") }).toEqual({
      "templates/_defaults.tpl must repeat values.yaml": ours,
    });
  });

  test("with only the keys upstream's values.yaml has, every other value gets its default", () => {
    // What --reuse-values of an upstream release renders with, here holding this chart's values.
    const upstreamKeys = Object.keys(upstreamValues);
    const onlyUpstreamKeys = Object.fromEntries(
      Object.entries(values).filter(([key]) => upstreamKeys.includes(key)),
    );
    expect(Object.keys(onlyUpstreamKeys).length).toBeLessThan(Object.keys(values).length);
    const withoutDriver = (objects: KubeObject[]) =>
      objects.filter((o) => o.metadata?.name !== driverStandInName);
    expect(
      withoutDriver(renderChart({}, { valuesYaml: JSON.stringify(onlyUpstreamKeys) })),
    ).toEqual(withoutDriver(renderChart()));
  });

  test("every .Values reference of the templates is declared in values.yaml", () => {
    const declared = new Set(valuePaths(values));
    const references = [...templateText.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map(
      (match) => (match[1] ?? "").slice(1),
    );
    expect(references.filter((path) => !declared.has(path))).toEqual([]);
  });

  test("every value is read by a template (itself, a parent or a child path)", () => {
    const references = [...templateText.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map(
      (match) => (match[1] ?? "").slice(1),
    );
    const unused = valuePaths(values).filter(
      (path) =>
        !path.startsWith(driverKey) &&
        !references.some(
          (reference) =>
            reference === path ||
            path.startsWith(`${reference}.`) ||
            reference.startsWith(`${path}.`),
        ),
    );
    expect(unused).toEqual([]);
  });
});
