import { Client, credentials, type ServiceError } from "@grpc/grpc-js";
import { csiServiceDefinition, toVersionRequest } from "./csi-service.ts";

/** The result of one {@link GrpcHealthCheck.check}. */
export type HealthResult = { isHealthy: true } | { isHealthy: false; reason: string };

/** Calls `Version` on the provider's own socket, the way the driver's health check does. */
export interface GrpcHealthCheck {
  /** Never rejects. Concurrent callers share one call. */
  check(): Promise<HealthResult>;
  /** Later checks report unhealthy (the provider is shutting down). */
  close(): void;
}

/** Options of {@link createGrpcHealthCheck}. */
export interface GrpcHealthCheckOptions {
  /** Deadline of one `Version` call. @default 2000 */
  timeoutMs?: number;
}

/**
 * Creates a check that dials `unix:<socketPath>` afresh each time (`:authority` `localhost`, as
 * driver v1.6 sends) and closes the connection after the answer: a socket file that was removed
 * or replaced fails the check, as it fails the driver, where a kept connection would still
 * answer. Calls do not wait for a connection: a missing socket is reported at once, a hung
 * server after `timeoutMs`.
 */
export function createGrpcHealthCheck(
  socketPath: string,
  options: GrpcHealthCheckOptions = {},
): GrpcHealthCheck {
  const timeoutMs = options.timeoutMs ?? 2000;
  const method = csiServiceDefinition["Version"];
  if (method === undefined) throw new Error("the CSI service definition has no Version method");
  let isClosed = false;
  let inFlight: Promise<HealthResult> | undefined;

  const callVersion = () =>
    new Promise<HealthResult>((resolve) => {
      // A local subchannel pool: grpc-js would otherwise share one connection between clients.
      const client = new Client(`unix:${socketPath}`, credentials.createInsecure(), {
        "grpc.default_authority": "localhost",
        "grpc.use_local_subchannel_pool": 1,
      });
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        toVersionRequest(),
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null) => {
          client.close();
          resolve(
            error
              ? {
                  isHealthy: false,
                  reason: `Version over "${socketPath}" failed: ${error.details}`,
                }
              : { isHealthy: true },
          );
        },
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
    },
  };
}
