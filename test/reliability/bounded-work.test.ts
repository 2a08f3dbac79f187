import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { spcLimits } from "../../src/spc/spc-limits.ts";
import { daemonSetEnv, readDaemonSetMemoryLimit } from "../helpers/daemonset-env.ts";
import { isServiceError } from "../helpers/driver-client.ts";
import { isAlive, mib, readProcStats } from "../helpers/proc-stats.ts";
import { filesOf, startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

/**
 * Hostile SecretProviderClasses against the compiled binary, run as deployed (issue 13): each
 * must be refused quickly with the right code, without the provider's memory running away, while
 * an ordinary Mount of another pod keeps being answered. Figures before the bounds, on the same
 * binary: the jmesPath doubling took over 3 GiB and blocked every Mount for 12 s; 2 MB of `[[[`
 * took 1 GiB and 1.5 s; a 40,000-key map 16 s; 300 deep aliases 17 s.
 *
 * Bounds are generous for a loaded 2-core machine; `make bench` is where speed is measured.
 */
const region = "us-east-1";
/** Longest a refusal may take, and longest an ordinary Mount may wait meanwhile. */
const answerMs = 5000;
const stallMs = 3000;
/** Growth of the provider's anonymous memory during one attack. */
const growthBytes = 160 * 1024 * 1024;
const memoryLimit = readDaemonSetMemoryLimit();

let bed: TestBed;
let pid: number;
let victim: Workload;
let attacker: Workload;
let attempt = 0;

/**
 * A provider for each group of attacks, so each group's memory is measured from a fresh
 * baseline: the seeded fakes, a victim whose SPC, credentials and value are warm (what a running
 * node has) and an attacker.
 */
function useProvider() {
  beforeAll(async () => {
    bed = await startTestBed({ mode: "binary", flags: ["--log-level=info"], env: daemonSetEnv() });
    if (bed.pid === undefined) throw new Error("no provider process");
    pid = bed.pid;
    victim = bed.workload({ namespace: "victim", serviceAccount: "app" });
    attacker = bed.workload({ namespace: "tenant", serviceAccount: "app" });
    bed.aws.grant(victim.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.grant(attacker.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.putSecret(region, { name: "victim/db", secretString: "victim-db-value" });
    // A 30-byte JSON secret, as in the issue.
    bed.aws.putSecret(region, {
      name: "tenant/json",
      secretString: '{"password":"correct-horse!"}',
    });
    await victimMount();
  });
  afterAll(() => bed.stop());
}

async function victimMount() {
  const response = await bed.mount(victim, {
    parameters: { region, objects: "- {objectName: victim/db, objectType: secretsmanager}" },
    secretProviderClass: "victim-spc",
  });
  expect(filesOf(response)[0]?.text).toBe("victim-db-value");
}

/** What one attack did: its error, how long it took, the victim's worst wait, memory. */
interface AttackResult {
  code: string;
  details: string;
  ms: number;
  victimMounts: number;
  worstVictimMs: number;
  anonGrowth: number;
  peakRss: number;
}

/**
 * Mounts `objects` for the attacker (a fresh SPC name each time, so nothing is cached) while
 * the victim mounts in a loop and /proc is sampled; returns when both are done (code `OK` when
 * the attacker's Mount succeeded).
 */
async function attack(objects: string, extra: Record<string, string> = {}): Promise<AttackResult> {
  const before = readProcStats(pid);
  let peakAnon = before.anonBytes;
  let peakRss = before.rssBytes;
  const sampler = setInterval(() => {
    const stats = readProcStats(pid);
    peakAnon = Math.max(peakAnon, stats.anonBytes);
    peakRss = Math.max(peakRss, stats.rssBytes);
  }, 10);
  attempt += 1;
  const started = performance.now();
  let isDone = false;
  const attackMount = bed
    .mount(
      attacker,
      { parameters: { region, objects, ...extra }, secretProviderClass: `hostile-${attempt}` },
      { deadlineMs: 60_000 },
    )
    .then(
      () => undefined,
      (error: unknown) => error,
    )
    .finally(() => {
      isDone = true;
    });
  let worstVictimMs = 0;
  let victimMounts = 0;
  let error: unknown;
  try {
    // At least one victim Mount overlaps the attack; more while it lasts.
    do {
      const at = performance.now();
      await victimMount();
      worstVictimMs = Math.max(worstVictimMs, performance.now() - at);
      victimMounts++;
    } while (!isDone);
    error = await attackMount;
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  const after = readProcStats(pid);
  peakAnon = Math.max(peakAnon, after.anonBytes);
  peakRss = Math.max(peakRss, after.rssBytes);
  if (error !== undefined && !isServiceError(error)) throw error;
  expect(isAlive(pid)).toBe(true);
  return {
    code: error === undefined ? "OK" : (status[error.code] ?? String(error.code)),
    details: error?.details ?? "",
    ms,
    victimMounts,
    worstVictimMs,
    anonGrowth: peakAnon - before.anonBytes,
    peakRss,
  };
}

/** The bounds every attack must keep. */
function expectBounded(result: AttackResult) {
  const figures = `${Math.round(result.ms)} ms, victim worst ${Math.round(result.worstVictimMs)} ms over ${result.victimMounts} mounts, anon +${mib(result.anonGrowth)}, peak RSS ${mib(result.peakRss)}`;
  expect({ figures, isQuick: result.ms < answerMs }).toEqual({ figures, isQuick: true });
  expect({ figures, isLive: result.worstVictimMs < stallMs }).toEqual({ figures, isLive: true });
  expect({ figures, isSmall: result.anonGrowth < growthBytes }).toEqual({ figures, isSmall: true });
  expect({ figures, fits: result.peakRss < memoryLimit }).toEqual({ figures, fits: true });
  if (process.env["BOUNDS_FIGURES"]) process.stderr.write(`${figures}\n`);
}

const doublings = (count: number, step = "[@,@]") => Array(count).fill(step).join(" | ");
const jmesSpc = (path: string) =>
  `- objectName: tenant/json\n  objectType: secretsmanager\n  jmesPath:\n    - {path: '${path}', objectAlias: out}`;

describe("hostile jmesPath expressions against the binary", () => {
  useProvider();
  test("26 doublings then to_string: RESOURCE_EXHAUSTED naming the object, field and answer limit", async () => {
    const result = await attack(jmesSpc(`${doublings(26)} | to_string(@)`));
    expect(result.code).toBe("RESOURCE_EXHAUSTED");
    expect(result.details).toContain(
      'objects[0] ("tenant/json").jmesPath[0].path: evaluating "[@,@] | [@,@]',
    );
    expect(result.details).toMatch(
      /would produce more than \d+ bytes, what is left of the driver's answer limit of 4194304 bytes/,
    );
    expect(result.details).not.toContain("correct-horse");
    expectBounded(result);
  });

  test("24 doublings then to_string, and the flatten variant", async () => {
    const twentyFour = await attack(jmesSpc(`${doublings(24)} | to_string(@)`));
    expect(twentyFour.code).toBe("RESOURCE_EXHAUSTED");
    expectBounded(twentyFour);
    const flatten = await attack(jmesSpc(`${doublings(24, "[@,@][]")} | to_string(@)`));
    expect(flatten.code).toBe("RESOURCE_EXHAUSTED");
    expect(flatten.details).toContain(
      "needs more than 500000 steps of work, the limit for the jmesPath expressions of one Mount",
    );
    expectBounded(flatten);
  });

  test("many entries cannot add their budgets up: the Mount has one", async () => {
    const entries = Array.from(
      { length: 200 },
      (_, i) =>
        `    - {path: '${doublings(15, "[@,@][]")} | length(@) | to_string(@)', objectAlias: f${i}}`,
    ).join("\n");
    const result = await attack(
      `- objectName: tenant/json\n  objectType: secretsmanager\n  jmesPath:\n${entries}`,
    );
    expect(result.code).toBe("RESOURCE_EXHAUSTED");
    expect(result.details).toContain("(the remaining jmesPath entries were not evaluated)");
    expectBounded(result);
  });
});

describe("hostile objects YAML against the binary", () => {
  useProvider();
  test("2 MB of nested brackets: INVALID_ARGUMENT for its size", async () => {
    const result = await attack("[".repeat(2_000_000));
    expect(result.code).toBe("INVALID_ARGUMENT");
    expect(result.details).toContain(
      "objects: is 2000000 bytes long, more than the limit of 1572864 bytes",
    );
    expectBounded(result);
  });

  test("1.5 MB of nested brackets: INVALID_ARGUMENT for its depth", async () => {
    const result = await attack(`${"[".repeat(750_000)}${"]".repeat(750_000)}`);
    expect(result.code).toBe("INVALID_ARGUMENT");
    expect(result.details).toContain("objects: nests YAML collections more than 64 levels deep");
    expectBounded(result);
  });

  test("a map of 40,000 keys and an alias bomb", async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: a`).join("\n");
    const map = await attack(keys);
    expect(map.code).toBe("INVALID_ARGUMENT");
    expect(map.details).toContain("objects: must be a YAML list of objects, got a map");
    expectBounded(map);
    const levels = Array.from({ length: 12 }, (_, i) =>
      i === 0
        ? "- &a0 {objectName: tenant/json, objectType: secretsmanager}"
        : `- &a${i} [${`*a${i - 1}, `.repeat(9)}*a${i - 1}]`,
    );
    const bomb = await attack(levels.join("\n"));
    expect(bomb.code).toBe("INVALID_ARGUMENT");
    expect(bomb.details).toContain(
      `once its aliases are expanded, more than the limit of ${spcLimits.yamlNodes}`,
    );
    expectBounded(bomb);
  });

  test("300 objectAliases 4 KiB deep with pathTranslation False", async () => {
    const deep = Array(2040).fill("a").join("/");
    const objects = Array.from(
      { length: 300 },
      (_, i) =>
        `- {objectName: tenant/json, objectType: secretsmanager, objectAlias: "b${i}/${deep}"}`,
    ).join("\n");
    const result = await attack(objects, { pathTranslation: "False" });
    expect(result.code).toBe("INVALID_ARGUMENT");
    expect(result.details).toContain(
      "would bring the files and directories of this SecretProviderClass past 100000, the limit",
    );
    expectBounded(result);
  });
});

describe("the largest objects YAML within the limits, against the binary", () => {
  useProvider();

  test("as many YAML nodes as allowed, just under the limit and just over it", async () => {
    // The most memory a document within the limits can take: one-character scalars.
    // `[`, `]` and each scalar count one.
    const under = await attack(`[${"a,".repeat(spcLimits.yamlNodes - 3)}a]`);
    expect(under.code).toBe("INVALID_ARGUMENT");
    expect(under.details).toContain(
      `lists ${spcLimits.yamlNodes - 2} objects, more than the limit`,
    );
    expectBounded(under);
    const over = await attack(`[${"a,".repeat(spcLimits.yamlNodes)}a]`);
    expect(over.details).toContain(`has more than ${spcLimits.yamlNodes} YAML nodes, the limit`);
    expectBounded(over);
  });

  test("an ordinary SPC of 10,000 objects still mounts, and others meanwhile", async () => {
    bed.aws.grant(attacker.roleArn, { service: "ssm", resource: "/many/*" });
    for (let i = 0; i < 10_000; i++)
      bed.aws.putParameter(region, { name: `/many/p${i}`, type: "String", value: `v${i}` });
    const objects = Array.from(
      { length: 10_000 },
      (_, i) => `- {objectName: /many/p${i}, objectType: ssmparameter}`,
    ).join("\n");
    const started = performance.now();
    const victimWaits: number[] = [];
    let isDone = false;
    const mounted = bed
      .mount(
        attacker,
        { parameters: { region, objects }, secretProviderClass: "many" },
        { deadlineMs: 90_000 },
      )
      .finally(() => {
        isDone = true;
      });
    do {
      const at = performance.now();
      await victimMount();
      victimWaits.push(performance.now() - at);
    } while (!isDone);
    const files = filesOf(await mounted);
    expect(files).toHaveLength(10_000);
    expect(files[9_999]).toEqual({ path: "_many_p9999", mode: 0o644, text: "v9999" });
    expect(Math.max(...victimWaits)).toBeLessThan(stallMs);
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(readProcStats(pid).rssBytes).toBeLessThan(memoryLimit);
  }, 90_000);
});
