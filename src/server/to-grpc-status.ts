import { status } from "@grpc/grpc-js";
import { Code, isProviderError } from "../errors.ts";
import type { Logger } from "../log.ts";

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

/** A gRPC status to answer with, plus our code for logs and metrics. */
export interface GrpcStatus {
  code: status;
  details: string;
  providerCode: Code;
}

/**
 * The single way out for errors: a `ProviderError` keeps its code and message; anything else is a
 * bug, answered INTERNAL with a fixed message while its stack goes to the log. The status message
 * reaches the pod's events, so it is the only text users see.
 */
export function toGrpcStatus(error: unknown, log: Logger): GrpcStatus {
  if (isProviderError(error)) {
    if (error.cause !== undefined) log.debug("Mount failure cause", { error: error.cause });
    return { code: grpcCodes[error.code], details: error.message, providerCode: error.code };
  }
  log.error("Unexpected error while mounting", { error });
  return {
    code: status.INTERNAL,
    details: "Internal error in the AWS provider while mounting; see the provider's logs",
    providerCode: Code.Internal,
  };
}
