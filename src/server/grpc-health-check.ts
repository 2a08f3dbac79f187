import { Client, credentials, type ServiceError } from "@grpc/grpc-js";
import { csiServiceDefinition, toVersionRequest } from "./csi-service.ts";

/** The result of one {@link GrpcHealthCheck.check}. */
export type HealthResult = { isHealthy: true } | { isHealthy: false; reason: string };

/** Calls `Version` on the provider's own socket, the way the driver's health check does. */
export interface GrpcHealthCheck {
  /** Never rejects. Concurrent callers share one call. */
  check(): Promise<HealthResult>;
  /** Closes the client's connection; later checks report unhealthy. */
  close(): void;
}

/** Options of {@link createGrpcHealthCheck}. */
export interface GrpcHealthCheckOptions {
  /** Deadline of one `Version` call. @default 2000 */
  timeoutMs?: number;
}

/**
 * Creates one long-lived grpc-js client on `unix:<socketPath>` (`:authority` `localhost`, as
 * driver v1.6 sends), so probes reuse one connection instead of opening one each. Calls do not
 * wait for a connection: a stopped server is reported at once, a hung one after `timeoutMs`.
 */
export function createGrpcHealthCheck(
  socketPath: string,
  options: GrpcHealthCheckOptions = {},
): GrpcHealthCheck {
  const timeoutMs = options.timeoutMs ?? 2000;
  const client = new Client(`unix:${socketPath}`, credentials.createInsecure(), {
    "grpc.default_authority": "localhost",
  });
  const method = csiServiceDefinition["Version"];
  if (method === undefined) throw new Error("the CSI service definition has no Version method");
  let isClosed = false;
  let inFlight: Promise<HealthResult> | undefined;

  const callVersion = () =>
    new Promise<HealthResult>((resolve) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        toVersionRequest(),
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null) =>
          resolve(
            error
              ? {
                  isHealthy: false,
                  reason: `Version over "${socketPath}" failed: ${error.details}`,
                }
              : { isHealthy: true },
          ),
      );
    });

  return {
    check() {
      if (isClosed) return Promise.resolve({ isHealthy: false, reason: "shutting down" });
      inFlight ??= callVersion().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    close() {
      isClosed = true;
      client.close();
    },
  };
}
