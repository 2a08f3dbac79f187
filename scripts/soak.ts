/**
 * The long reliability run (`make soak`): fuzz properties at FUZZ_RUNS cases, then SOAK_MOUNTS
 * mounts against the compiled binary with rotating secret values and a lane of injected AWS faults,
 * watching the process's memory and file descriptors. Prints its figures and exits non-zero when
 * any check fails. Stops by itself: every phase is bounded, and the whole run by SOAK_MAX_MINUTES.
 *
 *   bun scripts/soak.ts                       # 100,000 fuzz cases per property, 50,000 mounts
 *   FUZZ_RUNS=2000 SOAK_MOUNTS=3000 bun scripts/soak.ts   # a quick rehearsal
 *
 * Needs `make build` first (dist/secrets-store-csi-driver-provider-aws).
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { createBedMountHandler } from "../test/helpers/bed-handler.ts";
import { daemonSetEnv } from "../test/helpers/daemonset-env.ts";
import { isServiceError } from "../test/helpers/driver-client.ts";
import { isAlive, mib, type ProcStats, readProcStats } from "../test/helpers/proc-stats.ts";
import {
  binaryPath,
  findLeaks,
  startTestBed,
  type TestBed,
  type Workload,
} from "../test/helpers/test-bed.ts";
import {
  arnPartsProperty,
  arnTextProperty,
  defaultWorld,
  filePathProperty,
  fuzzStats,
  handlerProperty,
  jmesProperty,
  permissionProperty,
  requestParsingProperty,
  seedFuzzWorld,
} from "../test/reliability/fuzz-properties.ts";

const fuzzRuns = positive("FUZZ_RUNS", 100_000);
const totalMounts = positive("SOAK_MOUNTS", 50_000);
const concurrency = positive("SOAK_CONCURRENCY", 16);
const maxMinutes = positive("SOAK_MAX_MINUTES", 14);
/** The handler fuzz costs real (fake) AWS calls: a tenth of the runs, at least 1,000. */
const handlerRuns = Math.max(1000, Math.ceil(fuzzRuns / 10));
/** Memory may grow this much after warm-up (issue 7). */
const rssGrowthLimitBytes = 10 * 1024 * 1024;

const startedAt = Date.now();
const deadline = startedAt + maxMinutes * 60_000;
const failures: string[] = [];
const figures: [string, string][] = [];

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? "");
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
function fail(message: string): void {
  failures.push(message);
  say(`FAIL ${message}`);
}
const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------
// Phase 1: fuzzing

async function fuzz(): Promise<number> {
  const phase = Date.now();
  let cases = 0;
  const pure = {
    "file names (toFilePath/checkFilePath)": filePathProperty,
    "ARN text (parseArn)": arnTextProperty,
    "ARN parts (parseArn)": arnPartsProperty,
    "permission (readRequest)": permissionProperty,
    "JMES paths over JSON (renderFiles)": jmesProperty,
    "whole requests (readRequest + readSpc)": requestParsingProperty({
      ...defaultWorld,
      tokens: "{}",
    }),
  };
  let seed = 9_000_001;
  for (const [name, property] of Object.entries(pure)) {
    const started = Date.now();
    try {
      fc.assert(property as fc.IProperty<unknown[]>, { numRuns: fuzzRuns, seed: seed++ });
      cases += fuzzRuns;
      say(`fuzz ${name}: ${fuzzRuns} cases in ${elapsed(started)}`);
    } catch (error) {
      fail(`fuzz ${name}: ${(error as Error).message}`);
    }
  }

  // The mount pipeline as a whole, wired to in-process fakes.
  const started = Date.now();
  const bed = await startTestBed();
  try {
    const world = seedFuzzWorld(bed);
    const pipeline = createBedMountHandler(bed);
    await fc.assert(
      handlerProperty(world, (request) => pipeline.mount(request)),
      { numRuns: handlerRuns, seed: seed++ },
    );
    cases += handlerRuns;
    const leaks = findLeaks(pipeline.output(), [
      ...bed.aws.sensitiveValues(),
      ...bed.kube.sensitiveValues(),
    ]);
    if (leaks.length > 0) fail(`the pipeline logged secret material: ${leaks.join(", ")}`);
    say(
      `fuzz mount pipeline: ${handlerRuns} cases in ${elapsed(started)} (mounted ${fuzzStats.mounted}, failed ${JSON.stringify(fuzzStats.failed)})`,
    );
  } catch (error) {
    fail(`fuzz mount pipeline: ${(error as Error).message}`);
  } finally {
    await bed.stop().catch((error: unknown) => fail(String(error)));
  }

  // Properties that live beside their modules, as bun test files: the objects YAML, and the
  // bounded jmesPath evaluator (against jmespath.js, and chains of amplifiers at a tenth).
  const testFiles: [string, string, number][] = [
    ["objects YAML", "../src/spc/parse-objects.fuzz.test.ts", 3 * fuzzRuns],
    [
      "jmesPath evaluator",
      "../src/spc/jmes/evaluate-jmes-path.fuzz.test.ts",
      Math.ceil(1.1 * fuzzRuns),
    ],
  ];
  for (const [name, file, count] of testFiles) {
    const fileStarted = Date.now();
    const child = Bun.spawnSync(
      [process.execPath, "test", "--timeout=600000", resolve(import.meta.dir, file)],
      { env: { ...process.env, FUZZ_RUNS: String(fuzzRuns) }, stdout: "pipe", stderr: "pipe" },
    );
    if (child.exitCode === 0) {
      cases += count;
      say(`fuzz ${name} (${file.split("/").pop()}): ${count} cases in ${elapsed(fileStarted)}`);
    } else {
      fail(`fuzz ${name} failed:\n${child.stderr.toString().slice(-3000)}`);
    }
  }
  figures.push(["fuzz cases run", `${cases} (${elapsed(phase)})`]);
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Phase 2: mounts against the binary

const region = "us-east-1";
const faultRegion = "eu-west-1";
const cacheTtlMs = 2000;
/** A value may still be served this long after it was replaced: the cache TTL plus slack. */
const stalenessMs = cacheTtlMs + 1000;

/** Versions of one rotating secret: value and the time span it was current. */
interface Version {
  value: string;
  from: number;
  until: number | undefined;
}

class Rotation {
  readonly history = new Map<string, Version[]>();
  rotations = 0;
  constructor(private readonly bed: TestBed) {}

  /**
   * Makes `value` the current version of `name`. With `isJson` the secret is `{"password": value}`:
   * the jmesPath file shows `value` (history `name`), the object's own file the JSON text
   * (history `name#json`).
   */
  put(name: string, value: string, isJson = false): void {
    const secretString = isJson ? JSON.stringify({ password: value }) : value;
    this.#record(name, value);
    if (isJson) this.#record(`${name}#json`, secretString);
    this.bed.aws.putSecret(region, { name, secretString });
    this.rotations++;
  }

  #record(key: string, value: string): void {
    const now = Date.now();
    const versions = this.history.get(key) ?? [];
    const last = versions.at(-1);
    if (last) last.until = now;
    versions.push({ value, from: now, until: undefined });
    this.history.set(key, versions);
  }

  /** Whether `value` was current for `name` at some moment in [start - staleness, end]. */
  isAcceptable(name: string, value: string, start: number, end: number): boolean {
    return (this.history.get(name) ?? []).some(
      (v) => v.value === value && v.from <= end && (v.until ?? end) >= start - stalenessMs,
    );
  }
}

interface MountKind {
  objects: string;
  /** For each returned file: the rotating secret it shows, or its fixed text. */
  files: ({ rotating: string } | { fixed: string })[];
  podIdentity: boolean;
}

const mountKinds: MountKind[] = [
  {
    objects:
      "- {objectName: soak/rot-0, objectType: secretsmanager}\n- {objectName: soak/static, objectType: secretsmanager}",
    files: [{ rotating: "soak/rot-0" }, { fixed: "soak-static-value" }],
    podIdentity: false,
  },
  {
    objects:
      "- objectName: soak/rot-json\n  objectType: secretsmanager\n  objectAlias: json\n  jmesPath: [{path: password, objectAlias: password}]",
    files: [{ rotating: "soak/rot-json#json" }, { rotating: "soak/rot-json" }],
    podIdentity: false,
  },
  {
    objects:
      "- {objectName: soak/rot-1, objectType: secretsmanager}\n- {objectName: /soak/param, objectType: ssmparameter}",
    files: [{ rotating: "soak/rot-1" }, { fixed: "soak-param-value" }],
    podIdentity: false,
  },
  {
    objects: "- {objectName: soak/rot-2, objectType: secretsmanager}",
    files: [{ rotating: "soak/rot-2" }],
    podIdentity: true,
  },
];

type Fault = { name: string; inject(bed: TestBed): () => void; code: string };
const faults: Fault[] = [
  ...[
    [500, "InternalServiceError"],
    [503, "ServiceUnavailable"],
    [400, "ThrottlingException"],
  ].map(([status, code]) => ({
    name: `AWS ${status} ${code}`,
    inject: (bed: TestBed) => {
      bed.aws.failNext(
        "GetSecretValue",
        { status: Number(status), code: String(code), message: "soak fault" },
        { region: faultRegion, times: 2 },
      );
      return () => {};
    },
    code: "INTERNAL",
  })),
  ...(["close", "truncated", "malformed-json", "html"] as const).map((kind) => ({
    name: `AWS broken answer (${kind})`,
    inject: (bed: TestBed) => {
      bed.aws.breakNext("GetSecretValue", kind, { region: faultRegion, times: 2 });
      return () => {};
    },
    code: "INTERNAL",
  })),
  {
    name: "AWS hangs past the deadline",
    inject: (bed: TestBed) => {
      const hang = bed.aws.hang({ region: faultRegion });
      return () => hang.release();
    },
    code: "DEADLINE_EXCEEDED",
  },
];

async function mounts(): Promise<void> {
  if (!existsSync(binaryPath)) {
    fail(`no binary at ${binaryPath}: run make build first`);
    return;
  }
  const phase = Date.now();
  const bed = await startTestBed({
    mode: "binary",
    flags: ["--log-level=info", `--cache-ttl=${cacheTtlMs}ms`],
    env: daemonSetEnv(),
  });
  const pid = bed.pid ?? -1;
  const rotation = new Rotation(bed);
  let rotator: ReturnType<typeof setInterval> | undefined;
  try {
    const irsa = Array.from({ length: 8 }, (_, i) =>
      bed.workload({ namespace: `soak-${i % 3}`, serviceAccount: `irsa-${i}` }),
    );
    const podIdentity = Array.from({ length: 2 }, (_, i) =>
      bed.workload({ namespace: "soak-pi", serviceAccount: `pi-${i}`, podIdentity: true }),
    );
    const faulty = bed.workload({ namespace: "soak-faults", serviceAccount: "faulty" });
    for (const w of [...irsa, ...podIdentity, faulty]) {
      bed.aws.grant(w.roleArn, { service: "secretsmanager", resource: "*" });
      bed.aws.grant(w.roleArn, { service: "ssm", resource: "*" });
    }
    bed.aws.putSecret(region, { name: "soak/static", secretString: "soak-static-value" });
    bed.aws.putParameter(region, {
      name: "/soak/param",
      type: "SecureString",
      value: "soak-param-value",
    });
    let version = 0;
    const rotate = () => {
      version++;
      const which = version % 4;
      if (which === 3) {
        rotation.put(
          "soak/rot-json",
          `soak-json-${version}-${crypto.randomUUID().slice(0, 8)}`,
          true,
        );
      } else {
        rotation.put(
          `soak/rot-${which}`,
          `soak-rot-${which}-${version}-${crypto.randomUUID().slice(0, 8)}`,
        );
      }
    };
    for (let i = 0; i < 4; i++) rotate();
    rotator = setInterval(rotate, 250);

    const samples: { mounts: number; stats: ProcStats }[] = [];
    let done = 0;
    let errors = 0;
    let stale = 0;
    // The JavaScript heap settles at its working size only after some thousand mounts; measuring
    // growth from an earlier point would count that settling as a leak.
    const warmup = Math.min(15_000, Math.floor(totalMounts * 0.3));
    let nextSample = warmup;
    const mountOnce = async (n: number) => {
      const kind = mountKinds[n % mountKinds.length] as MountKind;
      const pool = kind.podIdentity ? podIdentity : irsa;
      const workload = pool[n % pool.length] as Workload;
      const start = Date.now();
      let texts: string[];
      try {
        const response = await bed.mount(
          workload,
          {
            parameters: {
              region,
              objects: kind.objects,
              ...(kind.podIdentity ? { usePodIdentity: "true" } : {}),
            },
          },
          { deadlineMs: 30_000 },
        );
        texts = response.files.map((f) => new TextDecoder().decode(f.contents));
      } catch (error) {
        errors++;
        if (errors <= 5)
          fail(`mount ${n}: ${isServiceError(error) ? error.details : String(error)}`);
        return;
      }
      const end = Date.now();
      kind.files.forEach((expected, i) => {
        const text = texts[i] ?? "";
        const ok =
          "fixed" in expected
            ? text === expected.fixed
            : rotation.isAcceptable(expected.rotating, text, start, end);
        if (!ok) {
          stale++;
          if (stale <= 5) fail(`mount ${n}: file ${i} is neither current nor recent`);
        }
      });
    };
    /** Mounts with `concurrency` workers until `until` mounts are done (or time is up). */
    const runMounts = (until: number) =>
      Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (done < until && Date.now() < deadline) {
            const n = done++;
            await mountOnce(n);
            if (n + 1 >= nextSample) {
              nextSample += Math.max(500, Math.floor(totalMounts / 50));
              samples.push({ mounts: n + 1, stats: readProcStats(pid) });
              // The fake keeps every call; the soak only needs recent ones.
              bed.aws.resetCalls();
            }
          }
        }),
      );

    let faultsSurvived = 0;
    let faultsInjected = 0;
    let faultsRunning = true;
    let faultsPaused = false;
    let faultInFlight = false;
    const faultLane = async () => {
      let n = 0;
      while (faultsRunning && Date.now() < deadline) {
        if (faultsPaused) {
          await Bun.sleep(50);
          continue;
        }
        faultInFlight = true;
        const fault = faults[n % faults.length] as Fault;
        // A secret never fetched before, so the value cache cannot answer for AWS.
        const name = `soak/fault-${n++}`;
        bed.aws.putSecret(faultRegion, { name, secretString: `fault-value-${n}` });
        const undo = fault.inject(bed);
        faultsInjected++;
        const error = await bed
          .mount(
            faulty,
            {
              parameters: {
                region: faultRegion,
                objects: `- {objectName: ${name}, objectType: secretsmanager}`,
              },
            },
            // Hangs end at the provider's budget (deadline - 2 s); throttling needs its backoff.
            { deadlineMs: fault.code === "DEADLINE_EXCEEDED" ? 2500 : 15_000 },
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        undo();
        bed.aws.resetFaults();
        faultInFlight = false;
        const code = isServiceError(error) ? codeName(error.code) : "OK";
        if (code === fault.code && isAlive(pid)) faultsSurvived++;
        else fail(`fault "${fault.name}": expected ${fault.code}, got ${code}`);
        await Bun.sleep(200);
      }
    };
    /**
     * Quiesces (no mount, no fault in flight), waits for the runtime to settle, then takes the
     * lowest of five readings: retained memory, not the garbage of the last burst.
     */
    const checkpoint = async (): Promise<ProcStats> => {
      faultsPaused = true;
      while (faultInFlight) await Bun.sleep(20);
      await Bun.sleep(8000);
      const readings: ProcStats[] = [];
      for (let i = 0; i < 5; i++) {
        readings.push(readProcStats(pid));
        await Bun.sleep(200);
      }
      faultsPaused = false;
      return readings.reduce((low, r) => (r.rssBytes < low.rssBytes ? r : low));
    };

    const mountStarted = Date.now();
    const faultDone = faultLane();
    await runMounts(warmup);
    const afterWarmup = await checkpoint();
    await runMounts(Math.floor((warmup + totalMounts) / 2));
    const midway = await checkpoint();
    await runMounts(totalMounts);
    faultsRunning = false;
    await faultDone;
    clearInterval(rotator);
    rotator = undefined;
    const mountSeconds = (Date.now() - mountStarted) / 1000;
    if (done < totalMounts) fail(`only ${done} of ${totalMounts} mounts before the time limit`);
    const final = await checkpoint();
    // Samples taken while mounting catch the heap at any point of its collection cycle; their trend
    // (last quarter against first quarter, averaged) is printed for information. The verdict
    // compares idle readings taken after the heap had 8 s to settle.
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const meanRss = (part: typeof samples) =>
      part.reduce((sum, s) => sum + s.stats.rssBytes, 0) / Math.max(1, part.length);
    const trend = meanRss(samples.slice(-quarter)) - meanRss(samples.slice(0, quarter));
    const growth = final.rssBytes - afterWarmup.rssBytes;
    // A leak grows with every mount, so it shows in both halves after warm-up; the heap's and the
    // connection pools' ups and downs between idle readings do not (one idle reading alone varies
    // by ±25 MiB and ±10 fds from run to run here).
    const isSteadyGrowth = (first: number, middle: number, last: number, limit: number) =>
      middle > first && last > middle && last - first > limit;
    figures.push(
      [
        "mounts",
        `${done} in ${mountSeconds.toFixed(1)} s (${(done / mountSeconds).toFixed(0)}/s, ${concurrency} concurrent, ${warmup} of them warm-up)`,
      ],
      ["mount errors", String(errors)],
      ["values neither current nor recent", String(stale)],
      ["secret rotations", String(rotation.rotations)],
      ["faults survived", `${faultsSurvived} of ${faultsInjected} (${faults.length} kinds)`],
      [
        "RSS idle after warm-up / midway / at end",
        `${mib(afterWarmup.rssBytes)} / ${mib(midway.rssBytes)} / ${mib(final.rssBytes)} (growth ${mib(growth)})`,
      ],
      [
        "RSS trend while mounting",
        `${mib(trend)} (mean of the last quarter of samples minus the first)`,
      ],
      [
        "RSS min / max while mounting",
        `${mib(Math.min(...samples.map((s) => s.stats.rssBytes)))} / ${mib(Math.max(...samples.map((s) => s.stats.rssBytes)))}`,
      ],
      ["peak RSS (VmHWM)", mib(final.peakRssBytes)],
      [
        "fds idle after warm-up / midway / at end",
        `${afterWarmup.fds} / ${midway.fds} / ${final.fds}`,
      ],
      ["mount phase", elapsed(phase)],
    );
    if (errors > 0) fail(`${errors} healthy mounts failed`);
    if (stale > 0) fail(`${stale} files showed a value that was neither current nor recent`);
    if (isSteadyGrowth(afterWarmup.rssBytes, midway.rssBytes, final.rssBytes, rssGrowthLimitBytes))
      fail(`RSS grew steadily by ${mib(growth)} after warm-up (limit 10 MiB)`);
    if (isSteadyGrowth(afterWarmup.fds, midway.fds, final.fds, 0))
      fail(`fds grew steadily from ${afterWarmup.fds} to ${final.fds}`);
    if (!isAlive(pid)) fail("the provider died");
  } catch (error) {
    fail(`mount phase: ${(error as Error).stack ?? String(error)}`);
  } finally {
    if (rotator) clearInterval(rotator);
    const stopped = Date.now();
    await bed.stop().catch((error: unknown) => fail(String(error)));
    figures.push(["stop + log leak scan", elapsed(stopped)]);
  }
}

function codeName(code: number): string {
  const names = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
  ];
  return names[code] ?? String(code);
}

say(
  `soak: FUZZ_RUNS=${fuzzRuns}, SOAK_MOUNTS=${totalMounts}, SOAK_CONCURRENCY=${concurrency}, limit ${maxMinutes} min`,
);
await fuzz();
if (Date.now() < deadline) await mounts();
else fail("no time left for the mount phase");
figures.push(
  ["total", elapsed(startedAt)],
  ["result", failures.length === 0 ? "PASS" : `FAIL (${failures.length})`],
);
say("\nsoak figures:");
for (const [name, value] of figures) say(`  ${name.padEnd(36)} ${value}`);
process.exit(failures.length === 0 ? 0 : 1);
