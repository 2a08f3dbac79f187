import { createMountTally, type MountTally } from "../call-options.ts";
import { Code, ProviderError } from "../errors.ts";
import { joinWithin } from "../join-within.ts";
import type { Logger } from "../log.ts";

/** Options of {@link createMountContext}. */
export interface MountContextOptions {
  /** How long the Mount may take: `--mount-timeout`, or less when the driver's deadline is nearer. */
  budgetMs: number;
  /** The request's logger (pod and SPC bound). */
  log: Logger;
}

/**
 * The bookkeeping of one Mount, created per request and handed to every stage: its budget and
 * signal, what it is waiting for, and what it cost.
 */
export interface MountContext {
  /** Aborts when the budget runs out or the driver cancels; its reason is a ProviderError. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** What this Mount cost so far, for its summary line; ports count into it. */
  readonly tally: MountTally;
  /**
   * Awaits `work` while `label` is marked pending, so that a Mount out of time can say what did
   * not answer (`ServiceAccount "ns/app" from the Kubernetes API`).
   */
  during<T>(label: string, work: Promise<T>): Promise<T>;
  /**
   * Settles like `work`, or rejects with the signal's reason as soon as the Mount is out of time
   * or cancelled, whether or not `work` honours the signal.
   */
  race<T>(work: Promise<T>): Promise<T>;
  /** The driver gave up on the call: ends the Mount now. */
  cancel(): void;
  /** Stops the budget timer; call once the Mount is answered. */
  close(): void;
}

/**
 * Starts the budget of one Mount. When it runs out, the signal aborts with DEADLINE_EXCEEDED
 * naming everything still pending.
 */
export function createMountContext(options: MountContextOptions): MountContext {
  const budgetMs = Math.max(0, options.budgetMs);
  const controller = new AbortController();
  // Label → how many awaits carry it right now.
  const pending = new Map<string, number>();
  const timer = setTimeout(() => {
    const waitingFor =
      pending.size > 0
        ? joinWithin([...pending.keys()], { separator: ", ", more: (n) => `… and ${n} more` })
        : "the provider";
    controller.abort(
      new ProviderError(
        Code.DeadlineExceeded,
        `Mount did not finish within its ${(budgetMs / 1000).toFixed(1)}s budget; still waiting for ${waitingFor}`,
        { reason: "DeadlineExceeded" },
      ),
    );
  }, budgetMs);
  const aborted = new Promise<never>((_, reject) =>
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
      once: true,
    }),
  );
  aborted.catch(() => {});

  return {
    signal: controller.signal,
    log: options.log,
    tally: createMountTally(),
    async during(label, work) {
      pending.set(label, (pending.get(label) ?? 0) + 1);
      try {
        return await work;
      } finally {
        const left = (pending.get(label) ?? 1) - 1;
        if (left > 0) pending.set(label, left);
        else pending.delete(label);
      }
    },
    race: (work) => Promise.race([work, aborted]),
    cancel() {
      controller.abort(
        new ProviderError(Code.DeadlineExceeded, "The driver cancelled the Mount", {
          reason: "Cancelled",
        }),
      );
    },
    close: () => clearTimeout(timer),
  };
}
