import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { parseArgs } from "../../src/cli.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { type Provider, startProvider } from "../../src/provider.ts";
import { createFakeAws, type FakeAws } from "../fakes/fake-aws.ts";
import { createFakeKube, type FakeKube } from "../fakes/fake-kube.ts";
import {
  createFakePodIdentityAgent,
  type FakePodIdentityAgent,
} from "../fakes/fake-pod-identity-agent.ts";
import { ensureBinary } from "./built-binary.ts";
import {
  buildMountRequest,
  createDriverClient,
  type DriverClient,
  defaultPodUid,
  type MountRequestInit,
  type TestPod,
} from "./driver-client.ts";

/** Where the provider under test runs. */
export type ProviderMode =
  /** `startProvider()` in this process: fast, logs captured through the logger. */
  | "in-process"
  /** `bun src/main.ts` as a child process. */
  | "source"
  /** The compiled `dist/` binary as a child process. */
  | "binary";

/** Options of {@link startTestBed}. */
export interface TestBedOptions {
  /** @default "in-process" */
  mode?: ProviderMode;
  /** Extra provider flags (`--driver-writes-secrets=false`, …). */
  flags?: string[];
  /** Extra provider environment (AWS_REGION, credential variables for negative tests, …). */
  env?: Record<string, string>;
  /** The executable in `binary` mode. @default the `make build` binary (built once when missing) */
  binary?: string;
  /**
   * A command the child process is started through, e.g. `["sh", "-c", "… exec \"$@\"", "sh"]`
   * to place it in a cgroup before the provider runs; it must `exec` the rest of its arguments so
   * that the process id stays the provider's.
   */
  launcher?: string[];
}

/** A workload: a pod, its ServiceAccount (annotated with a role) and a web-identity token. */
export interface Workload {
  pod: TestPod;
  roleArn: string;
  token: string;
  tokens: Record<string, string>;
}

/** Fake AWS + fake Kubernetes + a provider on a temp socket + a driver-like client. */
export interface TestBed extends AsyncDisposable {
  aws: FakeAws;
  kube: FakeKube;
  /** The fake EKS Pod Identity agent the provider is pointed at (`--pod-identity-agent-url`). */
  agent: FakePodIdentityAgent;
  dir: string;
  socketPath: string;
  client: DriverClient;
  /** Everything the provider logged (stdout and stderr for child processes). */
  output(): string;
  /**
   * Base URL of the provider's `/metrics` listener as bound, e.g. `http://127.0.0.1:40123`: from
   * the Provider in-process, else from the JSON start line of the child's log.
   */
  metricsUrl(): Promise<string>;
  /** The provider object in `in-process` mode (undefined for child processes). */
  provider: Provider | undefined;
  /** Process id of the provider child process (binary and source modes). */
  pid: number | undefined;
  /** Milliseconds from spawning the child process to its socket existing (child modes). */
  startupMs: number | undefined;
  /**
   * Seeds a ServiceAccount with a role (unless `roleArn: null`) and a token STS trusts: a JWT the
   * fake API server's issuer signed for `system:serviceaccount:<namespace>:<serviceAccount>` and
   * `sts.amazonaws.com`, valid for an hour. With `podIdentity`, the token's audience is
   * `pods.eks.amazonaws.com` and the fake agent associates it with the role instead.
   */
  workload(options?: {
    namespace?: string;
    serviceAccount?: string;
    roleArn?: string | null;
    pod?: string;
    podIdentity?: boolean;
  }): Workload;
  /**
   * Creates an empty volume directory as kubelet lays it out under `dir`
   * (`pods/<uid>/volumes/kubernetes.io~csi/<volume>/mount`) for provider-writes mounts of `pod`.
   */
  newTarget(pod?: TestPod): string;
  /** Builds a driver-style request for `workload` and mounts it. */
  mount(
    workload: Workload,
    init: Omit<MountRequestInit, "pod" | "tokens"> & {
      tokens?: Record<string, string> | undefined;
    },
    options?: { deadlineMs?: number },
  ): ReturnType<DriverClient["mount"]>;
  stop(): Promise<void>;
}

const bunPath = process.execPath;

/**
 * Starts the whole test bed. Everything listens on 127.0.0.1 or a unix socket in a fresh temp dir;
 * `stop()` (or `await using`) ends every process and removes the dir.
 */
export async function startTestBed(options: TestBedOptions = {}): Promise<TestBed> {
  const mode = options.mode ?? "in-process";
  const kube = await createFakeKube();
  const dir = mkdtempSync(join(tmpdir(), "aws-provider-test-"));
  const aws = createFakeAws();
  const agent = createFakePodIdentityAgent(aws);
  const { tokenFile, caFile } = kube.writeClientFiles(dir);
  const socketPath = join(dir, "aws.sock");
  const flags = [
    `--provider-volume=${dir}`,
    `--kube-api-url=${kube.url}`,
    `--kube-token-file=${tokenFile}`,
    `--kube-ca-file=${caFile}`,
    `--pod-identity-agent-url=${agent.url}`,
    "--log-level=debug",
    "--metrics-address=127.0.0.1:0",
    ...(options.flags ?? []),
  ];
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    AWS_ENDPOINT_URL_SSM: aws.url,
    AWS_ENDPOINT_URL_STS: aws.url,
    AWS_MAX_ATTEMPTS: "2",
    ...options.env,
  };

  let output = "";
  let provider: Provider | undefined;
  let startupMs: number | undefined;
  let child: Subprocess | undefined;
  try {
    if (mode === "in-process") {
      const parsed = parseArgs(flags);
      if (!parsed.ok || parsed.command !== "run")
        throw new Error(`bad test flags: ${JSON.stringify(parsed)}`);
      const config = loadConfig(parsed.flags, env);
      const log = createLogger({ level: config.logLevel, write: (line) => (output += line) });
      provider = await startProvider(config, log);
    } else {
      const command =
        mode === "binary"
          ? [options.binary ?? ensureBinary(), ...flags]
          : [bunPath, resolve(import.meta.dir, "../../src/main.ts"), ...flags];
      const spawnedAt = performance.now();
      const spawned = Bun.spawn([...(options.launcher ?? []), ...command], {
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
        stdout: "pipe",
        stderr: "pipe",
      });
      child = spawned;
      const collect = async (stream: ReadableStream<Uint8Array>) => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
      };
      void collect(spawned.stdout as ReadableStream<Uint8Array>);
      void collect(spawned.stderr as ReadableStream<Uint8Array>);
      await waitFor(
        () => existsSync(socketPath) || spawned.exitCode !== null,
        10_000,
        undefined,
        1,
      );
      startupMs = performance.now() - spawnedAt;
      if (!existsSync(socketPath))
        throw new Error(`provider did not start (exit ${spawned.exitCode}):\n${output}`);
    }
  } catch (error) {
    // A bed that cannot start still ends every process and server it made, and its dir.
    child?.kill("SIGKILL");
    await child?.exited;
    await Promise.allSettled([agent.close(), aws.close(), kube.close()]);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const client = createDriverClient(socketPath);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    if (provider) await provider.stop(1000);
    if (child) {
      child.kill("SIGTERM");
      await child.exited;
    }
    const sensitive = [...aws.sensitiveValues(), ...kube.sensitiveValues()];
    await agent.close();
    await aws.close();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
    // Every test bed ends with a leak scan, so the whole test run is covered (SPEC §8).
    const leaked = findLeaks(output, sensitive);
    if (leaked.length > 0)
      throw new Error(`the provider logged secret material: ${leaked.join(", ")}`);
  };

  return {
    aws,
    kube,
    agent,
    dir,
    socketPath,
    client,
    output: () => output,
    provider,
    pid: child?.pid,
    startupMs,
    async metricsUrl() {
      if (provider) {
        if (provider.metricsUrl === undefined) throw new Error("the metrics listener is disabled");
        return provider.metricsUrl;
      }
      await waitFor(() => readMetricsAddress(output) !== undefined, 5000);
      const address = readMetricsAddress(output);
      if (address === undefined) throw new Error(`no metricsAddress in the start line:\n${output}`);
      return `http://${address}`;
    },
    workload(workloadOptions = {}) {
      const namespace = workloadOptions.namespace ?? "default";
      const serviceAccount = workloadOptions.serviceAccount ?? "app";
      const roleArn =
        workloadOptions.roleArn === undefined
          ? `arn:aws:iam::${aws.accountId}:role/${namespace}-${serviceAccount}`
          : workloadOptions.roleArn;
      const pod = {
        name: workloadOptions.pod ?? `${serviceAccount}-pod`,
        namespace,
        serviceAccountName: serviceAccount,
      };
      // A token as kubelet requests it for the driver: signed by the cluster's issuer, for the
      // pod's ServiceAccount and the audience its auth mode needs.
      const token = kube.mintToken({
        namespace,
        serviceAccount,
        audience: workloadOptions.podIdentity ? "pods.eks.amazonaws.com" : "sts.amazonaws.com",
        podName: pod.name,
        podUid: defaultPodUid,
      });
      if (workloadOptions.podIdentity) {
        kube.putServiceAccount(namespace, serviceAccount, {});
        if (roleArn) agent.associate(token, roleArn);
        return { pod, roleArn: roleArn ?? "", token, tokens: { "pods.eks.amazonaws.com": token } };
      }
      kube.putServiceAccount(
        namespace,
        serviceAccount,
        roleArn ? { "eks.amazonaws.com/role-arn": roleArn } : {},
      );
      aws.trustWebIdentity(token, roleArn ? { roleArns: [roleArn] } : {});
      return { pod, roleArn: roleArn ?? "", token, tokens: { "sts.amazonaws.com": token } };
    },
    newTarget(pod) {
      const uid = pod?.uid ?? defaultPodUid;
      const volume = `secrets-${crypto.randomUUID()}`;
      const target = join(dir, "pods", uid, "volumes", "kubernetes.io~csi", volume, "mount");
      mkdirSync(target, { recursive: true });
      return target;
    },
    mount(workload, init, mountOptions) {
      return client.mount(
        buildMountRequest({ tokens: workload.tokens, ...init, pod: workload.pod }),
        mountOptions,
      );
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Polls `condition` every `intervalMs` (running `poll` first each time) until it holds or `timeoutMs` passes. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  poll?: () => Promise<void>,
  intervalMs = 10,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (poll) await poll();
    if (condition() || Date.now() >= until) return;
    await Bun.sleep(intervalMs);
  }
}

/** The `metricsAddress` of the JSON "AWS provider started" line, once it was logged. */
function readMetricsAddress(output: string): string | undefined {
  for (const line of output.split("\n")) {
    if (!line.includes('"AWS provider started"')) continue;
    const entry = JSON.parse(line) as { metricsAddress?: unknown };
    return typeof entry.metricsAddress === "string" ? entry.metricsAddress : undefined;
  }
  return undefined;
}

/**
 * Sensitive strings (≥ 6 characters, to avoid matching common words) that occur in `output`,
 * described without repeating them.
 */
export function findLeaks(output: string, sensitive: readonly string[]): string[] {
  return sensitive
    .filter((value) => value.length >= 6 && output.includes(value))
    .map((value) => `${value.length}-character value starting "${value.slice(0, 3)}…"`);
}

/** Decodes response file contents for assertions. */
export function filesOf(response: {
  files: { path: string; mode: number; contents: Uint8Array }[];
}) {
  return response.files.map((f) => ({
    path: f.path,
    mode: f.mode,
    text: new TextDecoder().decode(f.contents),
  }));
}
export { binaryPath } from "./built-binary.ts";
