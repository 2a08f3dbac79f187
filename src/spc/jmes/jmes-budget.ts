import { JmesError } from "./jmes-error.ts";

/** Options of {@link JmesBudget}. */
export interface JmesBudgetOptions {
  /** Work units the evaluations may spend in total (node visits, elements produced, compared). */
  maxSteps: number;
  /** UTF-16 code units of text the evaluations may build in total (to_string, join, ...). */
  maxStringLength: number;
}

/**
 * The work and text that the JMESPath evaluations of one Mount may still spend. Every node the
 * evaluator visits, every element it produces, compares or copies costs one step (long strings
 * cost one step per 32 to 64 code units scanned); every string it builds costs its length, and
 * is refused before it is built when it would not fit. Both counters only go down, so one
 * budget bounds the whole Mount however many expressions it evaluates.
 */
export class JmesBudget {
  /** Steps left; an evaluation fails when it would go below zero. */
  steps: number;
  /** Code units of built text left. */
  stringLength: number;
  readonly maxSteps: number;

  constructor(options: JmesBudgetOptions) {
    this.steps = options.maxSteps;
    this.maxSteps = options.maxSteps;
    this.stringLength = options.maxStringLength;
  }

  /**
   * Spends `count` steps.
   * @throws JmesError `steps` when the budget is spent
   */
  spend(count: number): void {
    this.steps -= count;
    if (this.steps < 0) this.exhausted();
  }

  /** @throws JmesError `steps`, always: called by hot paths that decrement `steps` themselves */
  exhausted(): never {
    this.steps = -1;
    throw new JmesError(
      "steps",
      `needs more than ${this.maxSteps} steps of work, the limit for the jmesPath expressions of one Mount`,
      this.maxSteps,
    );
  }

  /**
   * Reserves `length` code units for a string about to be built, before building it.
   * @throws JmesError `bytes` when it would not fit in what is left
   */
  reserve(length: number): void {
    if (length > this.stringLength) {
      throw new JmesError(
        "bytes",
        `would produce more than ${this.stringLength} bytes`,
        this.stringLength,
      );
    }
    this.stringLength -= length;
  }
}
