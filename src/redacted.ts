const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * Holds a secret value, token or credential so that it cannot reach a log line by accident:
 * string conversion, JSON and `inspect` all print `[redacted]`. Call {@link Redacted.reveal} only
 * where the raw value is really needed (an AWS call, the response bytes).
 */
export class Redacted<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The wrapped value. */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [inspectSymbol](): string {
    return "[redacted]";
  }
}
