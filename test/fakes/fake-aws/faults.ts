import type { FakeService, FaultFilter, InjectedError } from "./types.ts";

/** Where a request is, for matching fault filters. */
export interface FaultPoint {
  service: FakeService;
  operation: string;
  region: string | undefined;
}

/**
 * How `FakeAws.breakNext` breaks an answer, as a failing network or a proxy in front of AWS would:
 * - `close`: the connection is reset before any byte of the answer (no status line)
 * - `truncated`: status 200 and the first part of a plausible body, then the connection is reset
 * - `malformed-json`: a complete 200 answer whose body is not valid JSON (not valid XML for STS)
 * - `html`: a 502 with an HTML page instead of an AWS error body, as a load balancer answers
 */
export type BreakKind = "close" | "truncated" | "malformed-json" | "html";

/** Every {@link BreakKind}, for tests that go through all of them. */
export const breakKinds: readonly BreakKind[] = ["close", "truncated", "malformed-json", "html"];

/** Handle of a hang started with `FakeAws.hang`. */
export interface FakeHang {
  /** Lets held and later requests proceed normally. */
  release(): void;
}

interface LatencyRule {
  filter: FaultFilter;
  ms: number;
}

interface FailureRule {
  filter: FaultFilter;
  error: InjectedError;
  remaining: number;
}

interface BreakRule {
  filter: FaultFilter;
  kind: BreakKind;
  remaining: number;
}

interface HangRule {
  filter: FaultFilter;
  waiters: Set<() => void>;
}

function matches(filter: FaultFilter, point: FaultPoint): boolean {
  return (
    (filter.service === undefined || filter.service === point.service) &&
    (filter.operation === undefined || filter.operation === point.operation) &&
    (filter.region === undefined || filter.region === point.region)
  );
}

function sameFilter(a: FaultFilter, b: FaultFilter): boolean {
  return a.service === b.service && a.operation === b.operation && a.region === b.region;
}

/** Explicitly set latency, failures and hangs; nothing is triggered by names. */
export class Faults {
  #latency: LatencyRule[] = [];
  #failures: FailureRule[] = [];
  #breaks: BreakRule[] = [];
  readonly #hangs = new Set<HangRule>();
  /** Latency timers, cancelled by `close()`. */
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  /** Sets the delay for requests matching exactly this filter; 0 removes that rule. */
  setLatency(ms: number, filter: FaultFilter = {}): void {
    this.#latency = this.#latency.filter((rule) => !sameFilter(rule.filter, filter));
    if (ms > 0) this.#latency.push({ filter: { ...filter }, ms });
  }

  /** Queues an error for the next `times` matching requests (first queued, first used). */
  failNext(filter: FaultFilter, error: InjectedError, times: number): void {
    this.#failures.push({ filter: { ...filter }, error: { ...error }, remaining: times });
  }

  /** Queues a broken answer for the next `times` matching requests (first queued, first used). */
  breakNext(filter: FaultFilter, kind: BreakKind, times: number): void {
    this.#breaks.push({ filter: { ...filter }, kind, remaining: times });
  }

  /** Holds matching requests until released (or the server closes). */
  hang(filter: FaultFilter): FakeHang {
    const rule: HangRule = { filter: { ...filter }, waiters: new Set() };
    this.#hangs.add(rule);
    return {
      release: () => {
        this.#hangs.delete(rule);
        for (const wake of [...rule.waiters]) wake();
      },
    };
  }

  /** Forgets latency, queued failures, broken answers and hangs (releasing held requests). */
  reset(): void {
    this.#latency = [];
    this.#failures = [];
    this.#breaks = [];
    const held = [...this.#hangs].flatMap((rule) => [...rule.waiters]);
    this.#hangs.clear();
    for (const wake of held) wake();
  }

  /** Applies hangs, then the largest matching latency. After `close()` it never resolves. */
  async delay(point: FaultPoint): Promise<void> {
    for (const rule of this.#hangs) {
      if (!matches(rule.filter, point)) continue;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          rule.waiters.delete(wake);
          resolve();
        };
        rule.waiters.add(wake);
      });
    }
    const ms = Math.max(
      0,
      ...this.#latency.filter((rule) => matches(rule.filter, point)).map((rule) => rule.ms),
    );
    if (ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, ms);
        this.#timers.add(timer);
      });
    }
    if (this.#closed) await new Promise<never>(() => {});
  }

  /** Takes one use of the first queued failure matching this request. */
  takeFailure(point: FaultPoint): InjectedError | undefined {
    const rule = this.#failures.find((candidate) => matches(candidate.filter, point));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#failures = this.#failures.filter((other) => other !== rule);
    return rule.error;
  }

  /** Takes one use of the first queued broken answer matching this request. */
  takeBreak(point: FaultPoint): BreakKind | undefined {
    const rule = this.#breaks.find((candidate) => matches(candidate.filter, point));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#breaks = this.#breaks.filter((other) => other !== rule);
    return rule.kind;
  }

  /**
   * Cancels latency timers and forgets held requests without answering them: the server then drops
   * their connections (a region that never answers), and no handler outlives the server.
   */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#latency = [];
    this.#failures = [];
    this.#breaks = [];
    this.#hangs.clear();
  }
}
