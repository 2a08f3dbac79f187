/**
 * Status codes of this provider. They name gRPC codes one to one, but only `server/` maps them to
 * grpc-js numbers, so the mount pipeline stays free of transport types.
 */
export const Code = {
  InvalidArgument: "INVALID_ARGUMENT",
  FailedPrecondition: "FAILED_PRECONDITION",
  Unauthenticated: "UNAUTHENTICATED",
  PermissionDenied: "PERMISSION_DENIED",
  NotFound: "NOT_FOUND",
  ResourceExhausted: "RESOURCE_EXHAUSTED",
  DeadlineExceeded: "DEADLINE_EXCEEDED",
  Internal: "INTERNAL",
} as const;

/** One of the {@link Code} values. */
export type Code = (typeof Code)[keyof typeof Code];

/** Options of {@link ProviderError}. */
export interface ProviderErrorOptions {
  /** Stable, low-cardinality label for metrics and logs, e.g. `SecretNotFound`. */
  reason?: string;
  /** The underlying error: logged by the server, never sent to the driver. */
  cause?: unknown;
}

/**
 * An expected failure of a Mount. `message` is written for the person running
 * `kubectl describe pod` and must never contain secret values or tokens; `cause` stays in the logs.
 */
export class ProviderError extends Error {
  override name = "ProviderError";
  readonly code: Code;
  readonly reason: string | undefined;

  constructor(code: Code, message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = options.reason;
  }
}

/** The message of an error, or the text of a thrown non-error, for "…: <why>" messages. */
export function toErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Type guard for {@link ProviderError}. */
export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}
