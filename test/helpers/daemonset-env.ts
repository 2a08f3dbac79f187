import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The memory limit the DaemonSet gives one provider process, read from the kubectl installer so
 * that tests, benchmarks and the deployment cannot drift apart.
 */
export function readDaemonSetMemoryLimit(): number {
  const text = readFileSync(
    join(import.meta.dir, "../../deployment/aws-provider-installer.yaml"),
    "utf8",
  );
  const limit = /limits:\s*\n\s*memory:\s*(\d+)Mi/.exec(text)?.[1];
  if (limit === undefined)
    throw new Error("no memory limit in deployment/aws-provider-installer.yaml");
  return Number(limit) * 1024 * 1024;
}

/**
 * The environment the DaemonSet gives the provider besides flags: the JavaScript heap is told the
 * container's memory limit (`BUN_JSC_forceRAMSize` from `limits.memory`), so load tests, the soak
 * and the benchmark run the binary as deployed.
 */
export function daemonSetEnv(): Record<string, string> {
  return { BUN_JSC_forceRAMSize: String(readDaemonSetMemoryLimit()) };
}
