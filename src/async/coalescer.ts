interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

/** Shares calls among identical requests; see {@link createCoalescer}. */
export interface Coalescer<T> {
  /**
   * Runs `call` for `key`, or joins the call already in flight for it. `call` gets its own signal,
   * aborted only when every waiter has given up; each waiter rejects with its own signal's reason
   * when that signal aborts, while the others keep waiting.
   */
  run(key: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * Shares one call among identical requests (same key) that are in flight at the same time, so 100
 * pods of one Deployment starting together cost one STS call, one Kubernetes GET, one AWS read.
 */
export function createCoalescer<T>(): Coalescer<T> {
  const flights = new Map<string, Flight<T>>();
  const forget = (key: string, flight: Flight<T>) => {
    if (flights.get(key) === flight) flights.delete(key);
  };

  const start = (key: string, call: (signal: AbortSignal) => Promise<T>): Flight<T> => {
    const controller = new AbortController();
    const flight: Flight<T> = {
      // async turns a synchronous throw of `call` into a rejection like any other failure.
      promise: (async () => call(controller.signal))(),
      controller,
      waiters: 0,
    };
    flights.set(key, flight);
    const settle = () => forget(key, flight);
    flight.promise.then(settle, settle);
    return flight;
  };

  return {
    run(key: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
      if (signal.aborted) return Promise.reject(signal.reason);
      const flight = flights.get(key) ?? start(key, call);
      flight.waiters += 1;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          flight.waiters -= 1;
          if (flight.waiters === 0) {
            // Nobody waits any more: stop a later request from joining and free the rate limit.
            forget(key, flight);
            flight.controller.abort(signal.reason);
          }
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        flight.promise.then(
          (value) => {
            signal.removeEventListener("abort", onAbort);
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(error);
          },
        );
      });
    },
  };
}
