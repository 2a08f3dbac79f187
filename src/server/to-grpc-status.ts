import { status } from "@grpc/grpc-js";
import { Code, isProviderError } from "../errors.ts";

const grpcCodes: Record<Code, status> = {
  [Code.InvalidArgument]: status.INVALID_ARGUMENT,
  [Code.FailedPrecondition]: status.FAILED_PRECONDITION,
  [Code.Unauthenticated]: status.UNAUTHENTICATED,
  [Code.PermissionDenied]: status.PERMISSION_DENIED,
  [Code.NotFound]: status.NOT_FOUND,
  [Code.ResourceExhausted]: status.RESOURCE_EXHAUSTED,
  [Code.DeadlineExceeded]: status.DEADLINE_EXCEEDED,
  [Code.Internal]: status.INTERNAL,
};

/** A gRPC status to answer with, plus what the Mount's summary line needs. */
export interface GrpcStatus {
  code: status;
  details: string;
  providerCode: Code;
  /**
   * `warn` when the request was at fault (its SPC, identity or objects), `error` for a server-side
   * fault or a bug (SPEC §8), so `--log-level=warn` still shows every failed Mount.
   */
  level: "warn" | "error";
  /** What the log gets besides the message: a ProviderError's cause, or the whole unexpected error. */
  logged: unknown;
}

/**
 * The single way out for errors: a `ProviderError` keeps its code and message; anything else is a
 * bug, answered INTERNAL with a fixed message while the error itself (with its stack) goes to the
 * log. The status message reaches the pod's events, so it is the only text users see.
 */
export function toGrpcStatus(error: unknown): GrpcStatus {
  if (isProviderError(error)) {
    return {
      code: grpcCodes[error.code],
      details: error.message,
      providerCode: error.code,
      level:
        error.code === Code.Internal || error.code === Code.DeadlineExceeded ? "error" : "warn",
      logged: error.cause,
    };
  }
  return {
    code: status.INTERNAL,
    details: "Internal error in the AWS provider while mounting; see the provider's logs",
    providerCode: Code.Internal,
    level: "error",
    logged: error,
  };
}
