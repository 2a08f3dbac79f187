/**
 * The Helm chart, checked without a `helm` binary: every template's YAML skeleton parses, every
 * `.Values` reference is declared in values.yaml (and every value is used), the values keep the
 * upstream chart's names, and the defaults are the hardened ones of the kubectl installer.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { daemonSetProblems, providerVolume } from "./daemonset-checks.ts";
import { at, findObject, packageVersion, parseManifests, readRepoFile, repoRoot } from "./k8s.ts";

const chartDir = "deployment/helm/secrets-store-csi-driver-provider-aws";
const templateFiles = readdirSync(resolve(repoRoot, chartDir, "templates")).sort();
const yamlTemplates = templateFiles.filter((file) => file.endsWith(".yaml"));
const values = parse(readRepoFile(`${chartDir}/values.yaml`)) as Record<string, unknown>;
const chart = parse(readRepoFile(`${chartDir}/Chart.yaml`)) as Record<string, unknown>;
const templateText = (file: string) => readRepoFile(`${chartDir}/templates/${file}`);

/** Stands in for the value of an inline action. */
const placeholder = "TEMPLATE";

/**
 * The YAML skeleton of a template: comments `{{/* … *\/}}` removed, lines holding only actions
 * (`if`, `with`, `end`, `include … | nindent`) dropped, and every other action replaced by a
 * placeholder scalar. Both branches of every condition stay, so the templates avoid giving one key in
 * two branches.
 */
function skeleton(template: string): string {
  return template
    .replaceAll(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, "")
    .split("\n")
    .filter((line) => line.replaceAll(/\{\{[\s\S]*?\}\}/g, "").trim() !== "" || line.trim() === "")
    .map((line) => line.replaceAll(/\{\{[\s\S]*?\}\}/g, placeholder))
    .join("\n");
}

/** Every `.Values.a.b` path in `text`. */
function valueReferences(text: string): string[] {
  return [...text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((match) =>
    (match[1] ?? "").slice(1),
  );
}

/** Every path of values.yaml, at every depth (`metrics`, `metrics.port`, …). */
function valuePaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...valuePaths(child, path)];
  });
}

const allReferences = new Set(templateFiles.flatMap((file) => valueReferences(templateText(file))));
const declared = new Set(valuePaths(values));

describe("chart metadata", () => {
  test("Chart.yaml is a v2 application chart whose appVersion is package.json's version", () => {
    expect(chart["apiVersion"]).toBe("v2");
    expect(chart["name"]).toBe("secrets-store-csi-driver-provider-aws");
    expect(chart["type"]).toBe("application");
    expect(chart["appVersion"]).toBe(packageVersion);
    expect(String(chart["version"])).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("has the expected templates", () => {
    expect(templateFiles).toEqual([
      "NOTES.txt",
      "_helpers.tpl",
      "clusterrole.yaml",
      "clusterrolebinding.yaml",
      "daemonset.yaml",
      "service.yaml",
      "serviceaccount.yaml",
      "servicemonitor.yaml",
    ]);
  });
});

describe.each(yamlTemplates)("template %s", (file) => {
  test("has a YAML skeleton describing one Kubernetes object", () => {
    const objects = parseManifests(skeleton(templateText(file)), file);
    expect(objects).toHaveLength(1);
    const [object] = objects;
    expect(typeof object?.apiVersion).toBe("string");
    expect(typeof object?.kind).toBe("string");
    expect(object?.metadata?.name).toBeDefined();
  });

  test("opens and closes as many blocks as it starts", () => {
    const text = templateText(file);
    const opened = text.match(/\{\{-?\s*(if|with|range|define)\b/g)?.length ?? 0;
    const closed = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
    expect(closed).toBe(opened);
  });
});

describe("values", () => {
  test("every .Values reference of the templates and helpers is declared in values.yaml", () => {
    const undeclared = [...allReferences].filter((path) => !declared.has(path));
    expect(undeclared).toEqual([]);
  });

  test("every value is used by a template (itself, a parent or a child path)", () => {
    const unused = [...declared].filter(
      (path) =>
        ![...allReferences].some(
          (reference) =>
            reference === path ||
            path.startsWith(`${reference}.`) ||
            reference.startsWith(`${path}.`),
        ),
    );
    expect(unused).toEqual([]);
  });

  test("keep the upstream chart's names, and add ours", () => {
    const expected = [
      "image.repository",
      "image.tag",
      "image.pullPolicy",
      "imagePullSecrets",
      "nameOverride",
      "fullnameOverride",
      "awsRegion",
      "driverWritesSecrets",
      "providerVolume",
      "kubeletPath",
      "useFipsEndpoint",
      "k8sThrottlingParams.qps",
      "k8sThrottlingParams.burst",
      "podIdentityHttpTimeout",
      "priorityClassName",
      "tolerations",
      "nodeSelector",
      "affinity",
      "resources",
      "securityContext",
      "podAnnotations",
      "podLabels",
      "commonLabels",
      "dnsConfig",
      "dnsPolicy",
      "updateStrategy",
      "rbac.install",
      "logLevel",
      "logFormat",
      "cacheTTL",
      "failoverStrategy",
      "metrics.enabled",
      "metrics.port",
      "metrics.serviceMonitor.enabled",
    ];
    expect(expected.filter((path) => !declared.has(path))).toEqual([]);
  });

  test("default to the hardened, driver-writes configuration of the kubectl installer", () => {
    const installer = parseManifests(
      readRepoFile("deployment/aws-provider-installer.yaml"),
      "installer",
    );
    const pod = at(findObject(installer, "DaemonSet"), "spec.template.spec");
    expect(values["driverWritesSecrets"]).toBe(true);
    expect(values["providerVolume"]).toBe(providerVolume);
    expect(values["useNodeNameEnv"]).toBe(true);
    expect(values["securityContext"]).toEqual(at(pod, "containers[0].securityContext"));
    expect(values["podSecurityContext"]).toEqual(at(pod, "securityContext"));
    expect(values["resources"]).toEqual(at(pod, "containers[0].resources"));
    expect(values["tolerations"]).toEqual(at(pod, "tolerations"));
    expect(values["affinity"]).toEqual(at(pod, "affinity"));
    expect(values["priorityClassName"]).toBe(at(pod, "priorityClassName"));
    expect(values["updateStrategy"]).toEqual(
      at(findObject(installer, "DaemonSet"), "spec.updateStrategy"),
    );
    expect(at(values, "metrics.port")).toBe(8989);
  });
});

describe("daemonset.yaml", () => {
  const text = templateText("daemonset.yaml");
  const daemonSet = findObject(parseManifests(skeleton(text), "daemonset.yaml"), "DaemonSet");
  const container = at(daemonSet, "spec.template.spec.containers[0]") as Record<string, unknown>;

  test("passes every flag the values configure", () => {
    const args = (container["args"] ?? []) as string[];
    for (const flag of [
      "provider-volume",
      "driver-writes-secrets",
      "metrics-address",
      "qps",
      "burst",
      "log-level",
      "log-format",
      "cache-ttl",
      "failover-strategy",
      "pod-identity-http-timeout",
    ])
      expect(args.some((arg) => arg.startsWith(`--${flag}=`))).toBe(true);
  });

  test("probes /healthz and /readyz on the metrics port and passes NODE_NAME", () => {
    expect(at(container, "livenessProbe.httpGet")).toEqual({ path: "/healthz", port: "metrics" });
    expect(at(container, "readinessProbe.httpGet")).toEqual({ path: "/readyz", port: "metrics" });
    expect(at(container, "ports[0].name")).toBe("metrics");
    expect(at(container, "env[0]")).toEqual({
      name: "NODE_NAME",
      valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } },
    });
  });

  test("mounts the kubelet directory only in provider-writes mode", () => {
    const kubeletBlock =
      /\{\{-\s*if not \.Values\.driverWritesSecrets\s*\}\}([\s\S]*?)\{\{-\s*end\s*\}\}/g;
    const guarded = [...text.matchAll(kubeletBlock)].map((match) => match[1] ?? "").join("\n");
    const outside = text.replaceAll(kubeletBlock, "");
    expect(guarded).toContain("mountPropagation: HostToContainer");
    expect(guarded).toContain("{{ .Values.kubeletPath }}/pods");
    expect(outside).not.toContain("kubelet");
    expect(outside).not.toContain("mountPropagation");
  });

  test("the skeleton follows the hardening rules where values do not decide", () => {
    // The skeleton has placeholders instead of values: take them from values.yaml.
    const rendered = structuredClone(daemonSet);
    const pod = at(rendered, "spec.template.spec") as Record<string, unknown>;
    const renderedContainer = at(pod, "containers[0]") as Record<string, unknown>;
    Object.assign(pod, {
      priorityClassName: values["priorityClassName"],
      tolerations: values["tolerations"],
      securityContext: values["podSecurityContext"],
      nodeSelector: { "kubernetes.io/os": "linux" },
    });
    Object.assign(renderedContainer, {
      args: [
        `--provider-volume=${providerVolume}`,
        "--driver-writes-secrets=true",
        "--metrics-address=:8989",
      ],
      ports: [{ name: "metrics", containerPort: 8989, protocol: "TCP" }],
      resources: values["resources"],
      securityContext: values["securityContext"],
      volumeMounts: [{ name: "providervol", mountPath: providerVolume }],
    });
    Object.assign(rendered, {
      spec: { ...(rendered["spec"] as object), updateStrategy: values["updateStrategy"] },
    });
    pod["volumes"] = [
      { name: "providervol", hostPath: { path: providerVolume, type: "DirectoryOrCreate" } },
    ];
    expect(daemonSetProblems(rendered)).toEqual([]);
  });
});

describe("clusterrole.yaml", () => {
  test("grants pods only without NODE_NAME, and nodes only without awsRegion", () => {
    const text = templateText("clusterrole.yaml");
    const podsRule = text.indexOf('resources: ["pods"]');
    const nodesRule = text.indexOf('resources: ["nodes"]');
    const withoutNodeName = text.indexOf("{{- if not .Values.useNodeNameEnv }}");
    const withoutRegion = text.indexOf("{{- if not .Values.awsRegion }}");
    expect(withoutRegion).toBeGreaterThan(-1);
    expect(withoutRegion).toBeLessThan(nodesRule);
    expect(withoutNodeName).toBeGreaterThan(nodesRule);
    expect(withoutNodeName).toBeLessThan(podsRule);
    expect(text).not.toMatch(/verbs: \[[^\]]*"(list|watch|create|update|patch|delete|\*)"/);
  });
});
