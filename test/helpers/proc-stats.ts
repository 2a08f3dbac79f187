import { readdirSync, readFileSync } from "node:fs";

/** Memory and descriptor figures of a running process, from `/proc/<pid>` (Linux). */
export interface ProcStats {
  /** Resident set size now (`VmRSS`), bytes. */
  rssBytes: number;
  /** Peak resident set size so far (`VmHWM`), bytes. */
  peakRssBytes: number;
  /** Anonymous part of the resident set (`RssAnon`): the heap, without the mapped binary. */
  anonBytes: number;
  /** Open file descriptors (entries of `/proc/<pid>/fd`). */
  fds: number;
}

/**
 * Reads {@link ProcStats} of `pid`.
 * @throws Error when the process is gone or a field is missing
 */
export function readProcStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
    if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return {
    rssBytes: kib("VmRSS"),
    peakRssBytes: kib("VmHWM"),
    anonBytes: kib("RssAnon"),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** True while a process with this pid exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `bytes` in MiB with one decimal, for reports. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
