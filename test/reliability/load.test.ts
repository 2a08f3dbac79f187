import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { daemonSetEnv, readDaemonSetMemoryLimit } from "../helpers/daemonset-env.ts";
import { isAlive, mib, readProcStats } from "../helpers/proc-stats.ts";
import { filesOf, startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

/**
 * Load against the compiled binary, configured as deployed (info logs, default cache and AWS
 * concurrency): a burst of mixed mounts and the memory it costs, and a slow region next to
 * healthy ones.
 */
const primary = "us-east-1";
const failover = "us-west-2";
const slow = "eu-west-1";
/**
 * The memory limit the DaemonSet gives one provider process. (Issue 6's 100 MiB goal is not met
 * under every load: see the README's performance section; `make bench` prints the figures.)
 */
const peakRssLimitBytes = readDaemonSetMemoryLimit();

let bed: TestBed;
let pid: number;

beforeAll(async () => {
  bed = await startTestBed({
    mode: "binary",
    // The client-side Kubernetes rate limit (5/s) would only stretch the burst of first lookups.
    flags: ["--log-level=info", "--qps=1000", "--burst=1000"],
    env: daemonSetEnv(),
  });
  if (bed.pid === undefined) throw new Error("no provider process");
  pid = bed.pid;
});

afterAll(() => bed.stop());

/** A kind of SecretProviderClass in the mix: its parameters and the file texts it must mount. */
interface SpcKind {
  name: string;
  parameters: (workload: Workload) => Record<string, string>;
  expected: string[];
  podIdentity?: boolean;
}

function seedMix(): SpcKind[] {
  const { aws } = bed;
  aws.putSecret(primary, { name: "load/db", secretString: "load-db-value" });
  aws.putSecret(primary, {
    name: "load/json",
    secretString: JSON.stringify({ user: "load-user", pass: "load-pass" }),
  });
  aws.putSecret(failover, { name: "load/db", secretString: "load-db-value-replica" });
  const arn = aws.putSecret(primary, { name: "load/by-arn", secretString: "load-arn-value" }).arn;
  aws.putParameter(primary, { name: "/load/a", type: "SecureString", value: "load-param-a" });
  aws.putParameter(primary, { name: "/load/b", type: "StringList", value: "x,y,z" });
  return [
    {
      name: "secret with jmesPath",
      parameters: () => ({
        region: primary,
        objects: `
- objectName: load/json
  objectType: secretsmanager
  jmesPath:
    - {path: user, objectAlias: user}
    - {path: pass, objectAlias: pass}`,
      }),
      expected: ['{"user":"load-user","pass":"load-pass"}', "load-user", "load-pass"],
    },
    {
      name: "SSM parameters",
      parameters: () => ({
        region: primary,
        objects:
          "- {objectName: /load/a, objectType: ssmparameter}\n- {objectName: /load/b, objectType: ssmparameter}",
      }),
      expected: ["load-param-a", "x,y,z"],
    },
    {
      name: "ARN and secret, pathTranslation False",
      parameters: () => ({
        region: primary,
        pathTranslation: "False",
        objects: `- {objectName: "${arn}", objectAlias: arn/file}\n- {objectName: load/db, objectType: secretsmanager}`,
      }),
      expected: ["load-arn-value", "load-db-value"],
    },
    {
      name: "failover region",
      parameters: () => ({
        region: primary,
        failoverRegion: failover,
        objects: "- {objectName: load/db, objectType: secretsmanager}",
      }),
      expected: ["load-db-value"],
    },
    {
      name: "Pod Identity",
      podIdentity: true,
      parameters: () => ({
        region: primary,
        usePodIdentity: "true",
        objects: "- {objectName: load/db, objectType: secretsmanager}",
      }),
      expected: ["load-db-value"],
    },
  ];
}

function identities(count: number, podIdentity: boolean): Workload[] {
  return Array.from({ length: count }, (_, i) => {
    const workload = bed.workload({
      namespace: `load-${i % 5}`,
      serviceAccount: `${podIdentity ? "pi" : "irsa"}-${i}`,
      ...(podIdentity ? { podIdentity: true } : {}),
    });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.grant(workload.roleArn, { service: "ssm", resource: "*" });
    return workload;
  });
}

describe("load (binary)", () => {
  test("500 concurrent mounts of mixed SPCs and identities all succeed within the memory target", async () => {
    const kinds = seedMix();
    const irsa = identities(20, false);
    const podIdentity = identities(5, true);
    const before = readProcStats(pid);
    const results = await Promise.allSettled(
      Array.from({ length: 500 }, async (_, i) => {
        const kind = kinds[i % kinds.length] as SpcKind;
        const pool = kind.podIdentity ? podIdentity : irsa;
        const workload = pool[i % pool.length] as Workload;
        const response = await bed.mount(workload, { parameters: kind.parameters(workload) });
        return { kind, texts: filesOf(response).map((f) => f.text) };
      }),
    );
    const after = readProcStats(pid);
    process.stdout.write(
      `500 concurrent mounts: RSS ${mib(before.rssBytes)} before, peak (VmHWM) ${mib(after.peakRssBytes)}, ${mib(after.rssBytes)} after; fds ${before.fds} → ${after.fds}\n`,
    );
    const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    for (const result of results) {
      if (result.status === "fulfilled")
        expect(result.value.texts).toEqual(result.value.kind.expected);
    }
    expect(isAlive(pid)).toBe(true);
    expect(after.peakRssBytes).toBeLessThanOrEqual(peakRssLimitBytes);
  });

  test("a region answering after 2 s does not delay mounts that do not use it", async () => {
    const [workload] = identities(1, false);
    if (!workload) throw new Error("no workload");
    bed.aws.putSecret(slow, { name: "far/secret", secretString: "far-value" });
    bed.aws.putSecret(primary, { name: "near/secret", secretString: "near-value" });
    bed.aws.setLatency(2000, { region: slow });
    const mountOf = (region: string, name: string) =>
      bed.mount(workload, {
        parameters: { region, objects: `- {objectName: ${name}, objectType: secretsmanager}` },
      });
    try {
      // Warm the credentials, so only the AWS calls differ.
      await mountOf(primary, "near/secret");
      let slowPending = 20;
      const slowMounts = Array.from({ length: 20 }, () =>
        mountOf(slow, "far/secret").finally(() => slowPending--),
      );
      const started = performance.now();
      const fastTexts = await Promise.all(
        Array.from({ length: 100 }, async () => filesOf(await mountOf(primary, "near/secret"))),
      );
      const fastMs = performance.now() - started;
      // Every fast mount is done while every slow one still waits for its region.
      expect(slowPending).toBe(20);
      expect(fastTexts.every((files) => files[0]?.text === "near-value")).toBe(true);
      const slowFiles = await Promise.all(slowMounts);
      const slowMs = performance.now() - started;
      expect(slowFiles.every((r) => filesOf(r)[0]?.text === "far-value")).toBe(true);
      expect(slowMs).toBeGreaterThanOrEqual(1900);
      process.stdout.write(
        `slow region: 100 fast mounts done after ${fastMs.toFixed(0)} ms, 20 slow after ${slowMs.toFixed(0)} ms\n`,
      );
    } finally {
      bed.aws.setLatency(0, { region: slow });
    }
  });

  test("many calls stuck in a slow region do not starve mounts of other regions", async () => {
    // More slow calls in flight than --max-concurrent-aws-calls (64): a process-wide FIFO limit
    // holds the other regions' calls behind them until the slow region answers. (1 s of latency
    // is enough to show it and keeps the suite fast.)
    const [workload] = identities(1, false);
    if (!workload) throw new Error("no workload");
    const names = Array.from({ length: 80 }, (_, i) => `far/many-${i}`);
    for (const name of names) bed.aws.putSecret(slow, { name, secretString: `${name}-value` });
    bed.aws.putSecret(primary, { name: "near/other", secretString: "near-other-value" });
    bed.aws.putSecret(primary, { name: "near/fresh", secretString: "near-fresh-value" });
    const objectsOf = (name: string) => `- {objectName: ${name}, objectType: secretsmanager}`;
    // Warm the credentials, so only the AWS calls differ.
    await bed.mount(workload, {
      parameters: { region: primary, objects: objectsOf("near/other") },
    });
    bed.aws.setLatency(1000, { region: slow });
    try {
      let slowPending = names.length;
      const slowMounts = names.map((name) =>
        bed
          .mount(workload, { parameters: { region: slow, objects: objectsOf(name) } })
          .finally(() => slowPending--),
      );
      await Bun.sleep(100); // let the slow calls take their slots
      // A secret not fetched before, so this mount needs an AWS call of its own.
      const response = await bed.mount(workload, {
        parameters: { region: primary, objects: objectsOf("near/fresh") },
      });
      const pendingWhenFastDone = slowPending;
      expect(filesOf(response)[0]?.text).toBe("near-fresh-value");
      await Promise.all(slowMounts);
      expect(pendingWhenFastDone).toBe(names.length);
    } finally {
      bed.aws.setLatency(0, { region: slow });
    }
  });
});
