import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Limits of the constrained benchmark run: upstream's DaemonSet envelope. */
export interface BenchCgroupLimits {
  /** CPU time per CFS period, in microseconds (50m = 5,000 of 100,000). */
  quotaUs: number;
  /** @default 100_000 */
  periodUs?: number;
  /** Memory limit in bytes (100Mi = 104,857,600). */
  memoryBytes: number;
}

/** A cgroup (v1: one per controller; v2: one) that a benchmarked process is started in. */
export interface BenchCgroup {
  /** `cgroup v1 (cpu: …, memory: …)` or `cgroup v2 (…)`, for the report. */
  readonly description: string;
  /**
   * A launcher for `Bun.spawn`: a shell that moves itself into the cgroup and then `exec`s the
   * command, so the provider runs constrained from its first instruction under its own pid.
   */
  readonly launcher: string[];
  /** OOM kills inside the cgroup so far (`memory.events` / `memory.oom_control` `oom_kill`). */
  oomKills(): number;
  /** CFS periods throttled and time throttled so far (`cpu.stat`). */
  throttling(): { periods: number; throttledPeriods: number; throttledMs: number };
  /** Removes the cgroup(s); its processes must have exited. Idempotent, never throws. */
  remove(): void;
}

/** The outcome of {@link createBenchCgroup}: a cgroup, or why none could be made. */
export type BenchCgroupResult = { ok: true; cgroup: BenchCgroup } | { ok: false; reason: string };

interface Mount {
  root: string;
  fsType: string;
  superOptions: string[];
}

/**
 * Creates a child of this process's own cgroup (read from `/proc/self/cgroup`) limited to
 * `limits`, on cgroup v1 (the `cpu` and `memory` hierarchies) or v2 (the unified hierarchy, with
 * `cpu` and `memory` enabled in the parent's `cgroup.subtree_control`), whichever this machine
 * offers. Never throws: returns the reason when no cgroup can be made (no permission, controller
 * missing, v2 parent that holds processes and has the controllers disabled, …).
 */
export function createBenchCgroup(name: string, limits: BenchCgroupLimits): BenchCgroupResult {
  try {
    return create(name, limits);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function create(name: string, limits: BenchCgroupLimits): BenchCgroupResult {
  const periodUs = limits.periodUs ?? 100_000;
  const memberships = readFileSync("/proc/self/cgroup", "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [id, controllers, path] = line.split(":", 3) as [string, string, string];
      return { id, controllers: controllers.split(",").filter(Boolean), path };
    });
  const mounts = readMounts();
  const v1 = (controller: string) => {
    const member = memberships.find((m) => m.controllers.includes(controller));
    const mount = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes(controller));
    return member && mount ? join(mount.root, member.path, name) : undefined;
  };
  const cpuDir = v1("cpu");
  const memoryDir = v1("memory");
  if (cpuDir && memoryDir) {
    const made: string[] = [];
    const remove = () => {
      for (const dir of made.splice(0).reverse()) tryRemove(dir);
    };
    try {
      for (const dir of [cpuDir, memoryDir]) {
        mkdirSync(dir);
        made.push(dir);
      }
      writeFileSync(join(cpuDir, "cpu.cfs_period_us"), String(periodUs));
      writeFileSync(join(cpuDir, "cpu.cfs_quota_us"), String(limits.quotaUs));
      writeFileSync(join(memoryDir, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // With swap accounting, memory+swap gets the same bound: a container has no swap.
      const memsw = join(memoryDir, "memory.memsw.limit_in_bytes");
      if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
    } catch (error) {
      remove();
      throw new Error(`cannot set up cgroup v1 "${cpuDir}" / "${memoryDir}": ${errorText(error)}`);
    }
    return {
      ok: true,
      cgroup: {
        description: `cgroup v1 (cpu: ${cpuDir}, memory: ${memoryDir})`,
        launcher: launcherFor([join(cpuDir, "cgroup.procs"), join(memoryDir, "cgroup.procs")]),
        oomKills: () => readCounter(join(memoryDir, "memory.oom_control"), "oom_kill"),
        throttling: () => readThrottling(join(cpuDir, "cpu.stat"), "v1"),
        remove,
      },
    };
  }

  const unified = memberships.find((m) => m.id === "0" && m.controllers.length === 0);
  const unifiedMount = mounts.find((m) => m.fsType === "cgroup2");
  if (!unified || !unifiedMount)
    return { ok: false, reason: "no cgroup v1 cpu and memory hierarchies and no cgroup v2" };
  const parent = join(unifiedMount.root, unified.path);
  const available = readFileSync(join(parent, "cgroup.controllers"), "utf8").split(/\s+/);
  for (const controller of ["cpu", "memory"]) {
    if (!available.includes(controller))
      return {
        ok: false,
        reason: `the cgroup v2 controller "${controller}" is not available in "${parent}"`,
      };
  }
  const enabled = readFileSync(join(parent, "cgroup.subtree_control"), "utf8").split(/\s+/);
  const missing = ["cpu", "memory"].filter((c) => !enabled.includes(c));
  if (missing.length > 0) {
    try {
      writeFileSync(join(parent, "cgroup.subtree_control"), missing.map((c) => `+${c}`).join(" "));
    } catch (error) {
      // v2's "no internal processes" rule: a cgroup that holds processes (ours does) cannot
      // enable controllers for its children unless it is the root.
      return {
        ok: false,
        reason: `cannot enable ${missing.join(" and ")} for children of "${parent}": ${errorText(error)}`,
      };
    }
  }
  const dir = join(parent, name);
  try {
    mkdirSync(dir);
  } catch (error) {
    return { ok: false, reason: `cannot create cgroup v2 "${dir}": ${errorText(error)}` };
  }
  try {
    writeFileSync(join(dir, "cpu.max"), `${limits.quotaUs} ${periodUs}`);
    writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
    if (existsSync(join(dir, "memory.swap.max"))) writeFileSync(join(dir, "memory.swap.max"), "0");
  } catch (error) {
    tryRemove(dir);
    return { ok: false, reason: `cannot set limits of cgroup v2 "${dir}": ${errorText(error)}` };
  }
  return {
    ok: true,
    cgroup: {
      description: `cgroup v2 (${dir})`,
      launcher: launcherFor([join(dir, "cgroup.procs")]),
      oomKills: () => readCounter(join(dir, "memory.events"), "oom_kill"),
      throttling: () => readThrottling(join(dir, "cpu.stat"), "v2"),
      remove: () => tryRemove(dir),
    },
  };
}

/** `sh -c` that writes its own pid into each `cgroup.procs`, then execs the command it is given. */
function launcherFor(procsFiles: string[]): string[] {
  const moves = procsFiles.map((file) => `echo $$ > '${file}'`).join(" && ");
  return ["/bin/sh", "-c", `${moves} && exec "$@"`, "sh"];
}

function readMounts(): Mount[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
      const [left = "", right = ""] = line.split(" - ");
      const fields = left.split(" ");
      const [fsType = "", , superOptions = ""] = right.split(" ");
      return { root: fields[4] ?? "", fsType, superOptions: superOptions.split(",") };
    });
}

function readCounter(file: string, key: string): number {
  try {
    const match = new RegExp(`^${key} (\\d+)$`, "m").exec(readFileSync(file, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function readThrottling(file: string, version: "v1" | "v2") {
  const periods = readCounter(file, "nr_periods");
  const throttledPeriods = readCounter(file, "nr_throttled");
  const throttledMs =
    version === "v1"
      ? readCounter(file, "throttled_time") / 1e6
      : readCounter(file, "throttled_usec") / 1e3;
  return { periods, throttledPeriods, throttledMs };
}

function tryRemove(dir: string): void {
  // A cgroup whose last process just exited can stay busy for a moment.
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      if (existsSync(dir)) rmdirSync(dir);
      return;
    } catch {
      Bun.sleepSync(20);
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
