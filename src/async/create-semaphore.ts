/** A counting semaphore whose waiters leave the queue when their signal aborts. */
export interface Semaphore {
  run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

/** Creates a FIFO semaphore of `limit` slots. */
export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const queue: { start: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

  const release = () => {
    active -= 1;
    const next = queue.shift();
    if (next) {
      next.signal.removeEventListener("abort", next.onAbort);
      active += 1;
      next.start();
    }
  };

  return {
    async run(signal, work) {
      if (signal.aborted) throw signal.reason;
      if (active >= limit) {
        await new Promise<void>((resolve, reject) => {
          const entry = {
            start: resolve,
            signal,
            onAbort: () => {
              queue.splice(queue.indexOf(entry), 1);
              reject(signal.reason);
            },
          };
          queue.push(entry);
          signal.addEventListener("abort", entry.onAbort, { once: true });
        });
      } else {
        active += 1;
      }
      try {
        return await work();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
