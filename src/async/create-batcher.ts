/** The outcome of one id within a batch call. */
export type BatchOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Fetches one batch (≤ batch size ids); ids missing from the answer are reported as not returned. */
export type BatchCall<T> = (ids: string[]) => Promise<Map<string, BatchOutcome<T>>>;

/**
 * Collects the ids asked for in the same tick and fetches them with as few calls as possible
 * (`batchSize` ids each), so that every object can still be awaited on its own. Identical ids share
 * one request; a failed call rejects every id of its batch.
 */
export function createBatcher<T>(
  batchSize: number,
  call: BatchCall<T>,
): (id: string) => Promise<T> {
  let pending = new Map<string, PromiseWithResolvers<T>>();

  const flush = () => {
    const batch = pending;
    pending = new Map();
    const ids = [...batch.keys()];
    for (let start = 0; start < ids.length; start += batchSize) {
      const chunk = ids.slice(start, start + batchSize);
      call(chunk).then(
        (outcomes) => {
          for (const id of chunk) {
            const outcome = outcomes.get(id);
            const waiter = batch.get(id);
            if (outcome === undefined)
              waiter?.reject(new Error(`"${id}" was not in the batch answer`));
            else if (outcome.ok) waiter?.resolve(outcome.value);
            else waiter?.reject(outcome.error);
          }
        },
        (error: unknown) => {
          for (const id of chunk) batch.get(id)?.reject(error);
        },
      );
    }
  };

  return (id) => {
    const known = pending.get(id);
    if (known) return known.promise;
    const waiter = Promise.withResolvers<T>();
    if (pending.size === 0) queueMicrotask(flush);
    pending.set(id, waiter);
    return waiter.promise;
  };
}
