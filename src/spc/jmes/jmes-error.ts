/**
 * Why a JMESPath expression was refused or failed:
 * - `invalid`: it does not compile, or could never be evaluated (unknown function, wrong number
 *   of arguments, nested too deeply). Found when the SecretProviderClass is validated.
 * - `type`: its evaluation over this value failed the way JMESPath fails (a function given the
 *   wrong type of argument, a zero slice step, a value nested too deeply to serialize).
 * - `steps`: its evaluation needed more work than the Mount's budget allows.
 * - `bytes`: its evaluation would build text longer than the Mount's budget allows.
 */
export type JmesErrorKind = "invalid" | "type" | "steps" | "bytes";

/**
 * A refusal or failure of the bounded JMESPath evaluator. The message says what went wrong in
 * terms of the expression and never contains any part of the value it was evaluated over.
 */
export class JmesError extends Error {
  override name = "JmesError";
  readonly kind: JmesErrorKind;
  /** For `steps` and `bytes`: the limit that was reached. */
  readonly limit: number | undefined;

  constructor(kind: JmesErrorKind, message: string, limit?: number) {
    super(message);
    this.kind = kind;
    this.limit = limit;
  }
}
