import { readFileSync } from "node:fs";

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux). */
export const clockTicksPerSecond = (() => {
  const result = Bun.spawnSync(["getconf", "CLK_TCK"]);
  const ticks = Number(result.stdout.toString().trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** What a process has used so far. */
export interface ProcessUsage {
  /** utime + stime of every thread, live or exited, in milliseconds (resolution: one tick). */
  cpuMs: number;
  /** VmRSS: resident memory including the executable's pages mapped from disk, in MiB. */
  rssMiB: number;
  /** RssAnon: resident anonymous memory (heap, stacks), in MiB. */
  anonMiB: number;
  /** VmHWM: the highest VmRSS so far, in MiB. */
  peakRssMiB: number;
}

/** Reads `/proc/<pid>/stat` and `/proc/<pid>/status`. @throws Error once the process is gone */
export function readProcessUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces: fields are counted after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
  return {
    cpuMs: (ticks * 1000) / clockTicksPerSecond,
    rssMiB: kib("VmRSS") / 1024,
    anonMiB: kib("RssAnon") / 1024,
    peakRssMiB: kib("VmHWM") / 1024,
  };
}

/**
 * Samples RssAnon of `pid` every `intervalMs` until `stop()` is called, which returns the highest
 * reading (the kernel keeps no high-water mark of anonymous memory alone).
 */
export function samplePeakAnon(pid: number, intervalMs = 5): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, readProcessUsage(pid).anonMiB);
    } catch {
      // The process is gone (OOM kill): keep what was seen.
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
