/**
 * The hardening rules every provider DaemonSet this repository ships must follow (SPEC §9), as one
 * function that lists what a manifest breaks, so the installers and the chart share the rules and
 * the tests can show that each rule catches a violation.
 */
import { at, type KubeObject } from "./k8s.ts";

/** The socket directory the Secrets Store CSI Driver looks in by default (`--provider-volume`). */
export const providerVolume = "/var/run/secrets-store-csi-providers";

/** What {@link daemonSetProblems} expects besides the fixed rules. */
export interface DaemonSetExpectations {
  /** Whether NODE_NAME must come from the downward API (default true). */
  nodeNameEnv?: boolean;
}

interface Container {
  name?: string;
  args?: string[];
  env?: { name?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[];
  ports?: { name?: string; containerPort?: number }[];
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name?: string; mountPath?: string; mountPropagation?: string }[];
}

/** The value of `--name=value` in `args`, if present exactly once. */
function flagValue(args: readonly string[], name: string): string | undefined {
  const values = args.filter((arg) => arg.startsWith(`--${name}=`));
  return values.length === 1 ? values[0]?.slice(name.length + 3) : undefined;
}

/**
 * Lists every way `daemonSet` departs from the hardened provider DaemonSet: driver-writes mode
 * without any kubelet hostPath, NODE_NAME from the downward API, every taint tolerated, a priority
 * class, probes on the metrics port, no privilege escalation, no capability, RuntimeDefault seccomp,
 * read-only root filesystem, resource requests and a memory limit.
 * @returns an empty list when the DaemonSet follows every rule
 */
export function daemonSetProblems(
  daemonSet: KubeObject,
  expectations: DaemonSetExpectations = {},
): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const pod = at(daemonSet, "spec.template.spec") as Record<string, unknown> | undefined;
  if (!pod) return ["no pod template"];

  expect(
    at(daemonSet, "spec.updateStrategy.type") === "RollingUpdate",
    "updateStrategy is not RollingUpdate",
  );
  expect(pod["hostNetwork"] !== true, "hostNetwork is on");
  expect(pod["hostPID"] !== true && pod["hostIPC"] !== true, "hostPID or hostIPC is on");
  expect(pod["automountServiceAccountToken"] === true, "automountServiceAccountToken is not true");
  expect(typeof pod["serviceAccountName"] === "string", "no serviceAccountName");
  expect(typeof pod["priorityClassName"] === "string", "no priorityClassName");
  expect(
    (pod["nodeSelector"] as Record<string, unknown> | undefined)?.["kubernetes.io/os"] === "linux",
    "nodeSelector misses kubernetes.io/os: linux",
  );
  const tolerations = (pod["tolerations"] ?? []) as Record<string, unknown>[];
  expect(
    tolerations.some(
      (toleration) =>
        toleration["operator"] === "Exists" &&
        toleration["key"] === undefined &&
        toleration["effect"] === undefined,
    ),
    "does not tolerate every taint (operator: Exists without key or effect)",
  );

  const containers = (pod["containers"] ?? []) as Container[];
  expect(containers.length === 1, `expected one container, found ${containers.length}`);
  expect(pod["initContainers"] === undefined, "has init containers");
  const container = containers[0] ?? {};
  const args = container.args ?? [];
  expect(flagValue(args, "driver-writes-secrets") === "true", "not --driver-writes-secrets=true");
  expect(
    flagValue(args, "provider-volume") === providerVolume,
    `not --provider-volume=${providerVolume}`,
  );
  const metricsAddress = flagValue(args, "metrics-address");
  const metricsPort = Number(/^:(\d+)$/.exec(metricsAddress ?? "")?.[1] ?? Number.NaN);
  expect(Number.isInteger(metricsPort), "no --metrics-address=:<port>");
  const portEntry = (container.ports ?? []).find((port) => port.containerPort === metricsPort);
  expect(portEntry !== undefined, `no container port ${metricsPort}`);

  const nodeName = (container.env ?? []).find((variable) => variable.name === "NODE_NAME");
  if (expectations.nodeNameEnv ?? true) {
    expect(
      nodeName?.valueFrom?.fieldRef?.fieldPath === "spec.nodeName",
      "NODE_NAME is not taken from spec.nodeName",
    );
  }
  for (const [probe, path] of [
    ["livenessProbe", "/healthz"],
    ["readinessProbe", "/readyz"],
  ] as const) {
    const httpGet = container[probe]?.httpGet;
    expect(httpGet?.path === path, `${probe} is not an HTTP GET of ${path}`);
    const port = httpGet?.port;
    expect(
      port === metricsPort || (port !== undefined && port === portEntry?.name),
      `${probe} does not use the metrics port`,
    );
  }

  expect(typeof at(container, "resources.requests.cpu") === "string", "no CPU request");
  expect(typeof at(container, "resources.requests.memory") === "string", "no memory request");
  expect(typeof at(container, "resources.limits.memory") === "string", "no memory limit");

  const security = container.securityContext ?? {};
  expect(security["allowPrivilegeEscalation"] === false, "allowPrivilegeEscalation is not false");
  expect(security["privileged"] !== true, "privileged");
  expect(security["readOnlyRootFilesystem"] === true, "root filesystem is not read-only");
  const drop = (at(security, "capabilities.drop") ?? []) as unknown[];
  expect(drop.includes("ALL"), "capabilities do not drop ALL");
  expect(at(security, "capabilities.add") === undefined, "adds capabilities");
  const seccomp =
    at(security, "seccompProfile.type") ?? at(pod, "securityContext.seccompProfile.type");
  expect(seccomp === "RuntimeDefault", "seccompProfile is not RuntimeDefault");

  const volumes = (pod["volumes"] ?? []) as Record<string, unknown>[];
  const hostPaths = volumes.filter((volume) => volume["hostPath"] !== undefined);
  expect(
    hostPaths.length === 1 && at(hostPaths[0], "hostPath.path") === providerVolume,
    `hostPath volumes other than ${providerVolume}: ${hostPaths.map((volume) => String(at(volume, "hostPath.path"))).join(", ")}`,
  );
  for (const mount of container.volumeMounts ?? []) {
    expect(mount.mountPropagation === undefined, `volume ${mount.name} uses mount propagation`);
    expect(!mount.mountPath?.includes("kubelet"), `mounts ${mount.mountPath}`);
  }
  const providerMount = (container.volumeMounts ?? []).find(
    (mount) => mount.mountPath === providerVolume,
  );
  expect(
    providerMount !== undefined && providerMount.name === hostPaths[0]?.["name"],
    "the provider volume is not mounted at its own path",
  );
  return problems;
}
