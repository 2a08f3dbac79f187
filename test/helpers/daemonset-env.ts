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

/** The `ENV NAME=value` lines of the Dockerfile's final stage: what the image runs with. */
export function readImageEnv(): Record<string, string> {
  const text = readFileSync(join(import.meta.dir, "../../Dockerfile"), "utf8");
  const finalStage = text.slice(text.lastIndexOf("\nFROM "));
  const env: Record<string, string> = {};
  for (const [, name = "", value = ""] of finalStage.matchAll(/^ENV (\w+)=(\S+)$/gm))
    env[name] = value;
  return env;
}

/**
 * The environment the provider runs with besides flags: the image's (`readImageEnv`), and from the
 * DaemonSet the container's memory limit for the JavaScript heap (`BUN_JSC_forceRAMSize` from
 * `limits.memory`), so load tests, the soak and the benchmark run the binary as deployed.
 */
export function daemonSetEnv(memoryLimit = readDaemonSetMemoryLimit()): Record<string, string> {
  return { ...readImageEnv(), BUN_JSC_forceRAMSize: String(memoryLimit) };
}
