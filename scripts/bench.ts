// `make bench`: drives the compiled provider over its socket like the CSI driver, against the fake
// AWS (with an injected latency L) and the fake Kubernetes API, and prints the figures of issue 6
// as a table and as bench-results.json. Timing goals live here, not in unit tests.
// biome-ignore-all lint/suspicious/noConsole: a benchmark prints its figures
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { daemonSetEnv } from "../test/helpers/daemonset-env.ts";
import { buildMountRequest } from "../test/helpers/driver-client.ts";
import { binaryPath, startTestBed, type TestBed, type Workload } from "../test/helpers/test-bed.ts";

const L = Number(process.env["BENCH_LATENCY_MS"] ?? 25);
const region = "us-east-1";
const quick = process.env["BENCH_QUICK"] === "1";
const samples = quick ? 10 : 40;

/** Resident and peak memory of a process, in MiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/**
 * RSS once the process has been idle for 8 s (the lowest of five readings): a reading taken while
 * the heap is between collections would count garbage as growth.
 */
async function idleRss(pid: number): Promise<number> {
  await Bun.sleep(8000);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(memoryOf(pid).rss);
    await Bun.sleep(200);
  }
  return Math.min(...readings);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

const round = (n: number) => Math.round(n * 10) / 10;

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function countCalls(bed: TestBed): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of bed.aws.calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}

/** 10 Secrets Manager secrets and 10 SSM parameters under `prefix`, readable by `workload`. */
function seedTwenty(bed: TestBed, workload: Workload, prefix: string): string {
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: `${prefix}/*` });
  bed.aws.grant(workload.roleArn, { service: "ssm", resource: `/${prefix}/*` });
  const lines: string[] = [];
  for (let i = 0; i < 10; i++) {
    bed.aws.putSecret(region, {
      name: `${prefix}/secret-${i}`,
      secretString: `secret ${i} of ${prefix}`,
    });
    bed.aws.putParameter(region, {
      name: `/${prefix}/param-${i}`,
      type: "SecureString",
      value: `param ${i}`,
    });
    lines.push(`- {objectName: "${prefix}/secret-${i}", objectType: secretsmanager}`);
    lines.push(`- {objectName: "/${prefix}/param-${i}", objectType: ssmparameter}`);
  }
  return lines.join("\n");
}

async function startBed(flags: string[] = []) {
  const bed = await startTestBed({
    mode: "binary",
    flags: ["--log-level=warn", "--qps=1000", "--burst=1000", ...flags],
    env: daemonSetEnv(),
  });
  bed.aws.setLatency(L);
  return bed;
}

const results: Record<string, unknown> = { latencyMs: L, binaryBytes: statSync(binaryPath).size };

// 1. Start-up: exec to socket ready (the socket accepts a Version call), idle RSS.
{
  const startups: number[] = [];
  let idleRss = 0;
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const bed = await startTestBed({ mode: "binary", flags: ["--log-level=warn"] });
    startups.push(bed.startupMs ?? Number.NaN);
    await bed.client.version();
    await Bun.sleep(300);
    idleRss = Math.max(idleRss, memoryOf(bed.pid ?? 0).rss);
    await bed.stop();
  }
  results["startupMs"] = {
    median: round(percentile(startups, 50)),
    max: round(Math.max(...startups)),
  };
  results["idleRssMiB"] = round(idleRss);
}

// 2. One mount of 10 SM + 10 SSM objects: new identity, known identity, within the TTL.
{
  const fresh = await startBed(["--cache-ttl=0"]);
  const newIdentity: number[] = [];
  const knownIdentity: number[] = [];
  let callsNew: Record<string, number> = {};
  let callsKnown: Record<string, number> = {};
  for (let i = 0; i < samples; i++) {
    const workload = fresh.workload({ serviceAccount: `sa-${i}` });
    const objects = seedTwenty(fresh, workload, `app${i}`);
    fresh.aws.resetCalls();
    newIdentity.push(await timed(() => fresh.mount(workload, { parameters: { region, objects } })));
    callsNew = countCalls(fresh);
    fresh.aws.resetCalls();
    knownIdentity.push(
      await timed(() => fresh.mount(workload, { parameters: { region, objects } })),
    );
    callsKnown = countCalls(fresh);
  }
  await fresh.stop();

  const cached = await startBed();
  const workload = cached.workload({ serviceAccount: "cached" });
  const objects = seedTwenty(cached, workload, "cached");
  await cached.mount(workload, { parameters: { region, objects } });
  cached.aws.resetCalls();
  const withinTtl: number[] = [];
  for (let i = 0; i < samples; i++) {
    withinTtl.push(await timed(() => cached.mount(workload, { parameters: { region, objects } })));
  }
  const callsCached = countCalls(cached);
  await cached.stop();

  const describe = (values: number[], calls: Record<string, number>) => ({
    medianMs: round(percentile(values, 50)),
    p99Ms: round(percentile(values, 99)),
    medianInL: round(percentile(values, 50) / L),
    awsCallsPerMount: calls,
  });
  results["mount20"] = {
    newIdentity: describe(newIdentity, callsNew),
    knownIdentity: describe(knownIdentity, callsKnown),
    withinTtl: describe(withinTtl, callsCached),
  };
}

// 3. Bursts of 110 concurrent mounts (5 secrets each): one Deployment, then 110 identities.
async function burst(distinct: boolean) {
  const bed = await startBed();
  // A DaemonSet provider has served mounts before a Deployment rolls out: warm the JIT up with 20
  // mounts of another identity so the burst measures steady-state code, not first compilation.
  {
    const warm = bed.workload({ serviceAccount: "warm-up" });
    bed.aws.grant(warm.roleArn, { service: "secretsmanager", resource: "warm/*" });
    bed.aws.putSecret(region, { name: "warm/s", secretString: "warm" });
    const objects = "- {objectName: warm/s, objectType: secretsmanager}";
    for (let i = 0; i < 20; i++) await bed.mount(warm, { parameters: { region, objects } });
  }
  const request = (i: number) => {
    const workload = bed.workload({
      serviceAccount: distinct ? `burst-${i}` : "deployment",
      pod: `pod-${i}`,
    });
    const prefix = distinct ? `burst${i}` : "shared";
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: `${prefix}/*` });
    const lines: string[] = [];
    for (let s = 0; s < 5; s++) {
      if (distinct || i === 0)
        bed.aws.putSecret(region, { name: `${prefix}/s${s}`, secretString: `value ${s}` });
      lines.push(`- {objectName: "${prefix}/s${s}", objectType: secretsmanager}`);
    }
    return buildMountRequest({
      pod: workload.pod,
      tokens: workload.tokens,
      parameters: { region, objects: lines.join("\n") },
    });
  };
  const requests = Array.from({ length: 110 }, (_, i) => request(i));
  bed.aws.resetCalls();
  const durations: number[] = [];
  let failures = 0;
  const wall = await timed(() =>
    Promise.all(
      requests.map(async (r) => {
        const started = performance.now();
        await bed.client.mount(r).catch(() => failures++);
        durations.push(performance.now() - started);
      }),
    ),
  );
  const calls = countCalls(bed);
  const { peak } = memoryOf(bed.pid ?? 0);
  await bed.stop();
  return {
    mounts: 110,
    failures,
    wallMs: round(wall),
    p50Ms: round(percentile(durations, 50)),
    p99Ms: round(percentile(durations, 99)),
    awsCalls: calls,
    totalAwsCalls: Object.values(calls).reduce((a, b) => a + b, 0),
    peakRssMiB: round(peak),
  };
}
results["burstOneServiceAccount"] = await burst(false);
results["burstDistinctServiceAccounts"] = await burst(true);

// 4. Sequential mounts served from the cache: throughput and memory growth.
{
  const bed = await startBed(["--cache-ttl=1h"]);
  const workload = bed.workload({ serviceAccount: "steady" });
  const objects = seedTwenty(bed, workload, "steady").split("\n").slice(0, 5).join("\n");
  const request = buildMountRequest({
    pod: workload.pod,
    tokens: workload.tokens,
    parameters: { region, objects },
  });
  // Warm-up: the heap grows to its working size over the first few thousand mounts.
  for (let i = 0; i < 5000; i++) await bed.client.mount(request);
  const before = await idleRss(bed.pid ?? 0);
  const count = quick ? 2000 : 10_000;
  const elapsed = await timed(async () => {
    for (let i = 0; i < count; i++) await bed.client.mount(request);
  });
  const after = await idleRss(bed.pid ?? 0);
  await bed.stop();
  results["cachedSequential"] = {
    mounts: count,
    mountsPerSecond: Math.round((count / elapsed) * 1000),
    rssBeforeMiB: round(before),
    rssAfterMiB: round(after),
    rssGrowthMiB: round(after - before),
  };
}

writeFileSync("bench-results.json", `${JSON.stringify(results, null, 2)}\n`);
const m = results["mount20"] as Record<
  string,
  { medianMs: number; p99Ms: number; medianInL: number; awsCallsPerMount: Record<string, number> }
>;
const b1 = results["burstOneServiceAccount"] as Awaited<ReturnType<typeof burst>>;
const b2 = results["burstDistinctServiceAccounts"] as Awaited<ReturnType<typeof burst>>;
const seq = results["cachedSequential"] as {
  mounts: number;
  mountsPerSecond: number;
  rssGrowthMiB: number;
};
const startup = results["startupMs"] as { median: number };
const rows: [string, string][] = [
  ["AWS latency L", `${L} ms`],
  ["binary size", `${round((results["binaryBytes"] as number) / 1024 / 1024)} MiB`],
  ["exec → socket ready (median)", `${startup.median} ms`],
  ["idle RSS", `${results["idleRssMiB"]} MiB`],
  ...(["newIdentity", "knownIdentity", "withinTtl"] as const).map((k): [string, string] => [
    `20-object mount, ${k}`,
    `median ${m[k]?.medianMs} ms (${m[k]?.medianInL} L), p99 ${m[k]?.p99Ms} ms, AWS calls ${JSON.stringify(m[k]?.awsCallsPerMount)}`,
  ]),
  ...(
    [
      ["110-pod burst, one ServiceAccount", b1],
      ["110-pod burst, 110 ServiceAccounts", b2],
    ] as const
  ).map(([label, b]): [string, string] => [
    label,
    `${b.failures} failed, wall ${b.wallMs} ms, p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms, ${b.totalAwsCalls} AWS calls ${JSON.stringify(b.awsCalls)}, peak RSS ${b.peakRssMiB} MiB`,
  ]),
  [
    `${seq.mounts} cached sequential mounts`,
    `${seq.mountsPerSecond} mounts/s, RSS growth ${seq.rssGrowthMiB} MiB`,
  ],
];
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log("\nwritten to bench-results.json");
