import { instrumentAwsApis } from "./aws/instrument-aws-apis.ts";
import { loadAwsSdk } from "./aws/load-aws-sdk.ts";
import type { Config } from "./config.ts";
import { createMountDeps } from "./create-mount-deps.ts";
import type { Logger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { createMountHandler } from "./mount/handle-mount.ts";
import { createGrpcHealthCheck, type GrpcHealthCheck } from "./server/grpc-health-check.ts";
import { type GrpcServer, startGrpcServer } from "./server/grpc-server.ts";
import { type HttpServer, startHttpServer } from "./server/http-server.ts";

/** In-flight Mounts get this long to finish on SIGTERM/SIGINT (SPEC §1). */
export const shutdownGraceMs = 10_000;

/** A running provider: the gRPC server, the metrics listener and what they were built from. */
export interface Provider {
  /**
   * URL of the `--metrics-address` listener as bound (port 0 resolved), e.g.
   * `http://127.0.0.1:40123`; undefined when the listener is disabled.
   */
  metricsUrl: string | undefined;
  /**
   * Stops the gRPC server only (the first half of {@link Provider.stop}); the HTTP listener keeps
   * answering, with `/healthz` and `/readyz` failing from then on.
   */
  stopGrpcServer(graceMs?: number): Promise<void>;
  /** Stops the gRPC server (in-flight Mounts get `graceMs`), then the HTTP listener. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Wires the real adapters (Kubernetes REST, AWS SDK) into the mount pipeline, instruments them,
 * starts serving on the socket and, with `--metrics-address`, starts the HTTP listener for
 * `/metrics`, `/healthz` and `/readyz`. Shared by `main.ts` and in-process tests, which pass their
 * own config and logger.
 * @throws Error with one clear line when the provider cannot start (socket or metrics port)
 */
export async function startProvider(config: Config, log: Logger): Promise<Provider> {
  const metrics = createMetrics({ version: config.version });
  const deps = createMountDeps(config, log, {
    onKubeRequest: (event) => metrics.kubeRequest(event),
    onCacheLookup: (cache, hit) => metrics.cacheLookup(cache, hit),
    wrapAws: (aws) => instrumentAwsApis(aws, metrics),
  });
  const handleMount = createMountHandler(deps);
  const server: GrpcServer = await startGrpcServer({
    socketPath: config.socketPath,
    handleMount,
    driverWritesSecrets: config.driverWritesSecrets,
    mountTimeoutMs: config.mountTimeoutMs,
    log,
    metrics,
  });
  // createMountDeps throws when Kubernetes cannot be configured, so from here only the socket
  // decides readiness.
  let isListening = true;
  let grpcStopped: Promise<void> | undefined;
  const stopGrpcServer = (graceMs = shutdownGraceMs) => {
    isListening = false;
    grpcStopped ??= server.stop(graceMs);
    return grpcStopped;
  };

  let http: HttpServer | undefined;
  let health: GrpcHealthCheck | undefined;
  if (config.metricsAddress !== undefined) {
    const check = createGrpcHealthCheck(config.socketPath);
    health = check;
    try {
      http = startHttpServer({
        address: config.metricsAddress,
        metrics,
        checkHealth: () => check.check(),
        isReady: () => isListening,
      });
    } catch (error) {
      check.close();
      await stopGrpcServer(0);
      throw error;
    }
  }
  log.info("AWS provider started", {
    version: config.version,
    socket: config.socketPath,
    writeMode: config.driverWritesSecrets ? "driver-writes-secrets" : "provider-writes-secrets",
    metricsAddress: http?.address,
  });
  // The socket listens before the AWS SDK is evaluated (load-aws-sdk.ts): load it now, after this
  // turn of the event loop, so that the first Mount normally finds it ready.
  setImmediate(() => void loadAwsSdk());
  let stopped: Promise<void> | undefined;
  return {
    metricsUrl: http?.url,
    stopGrpcServer,
    stop: (graceMs = shutdownGraceMs) => {
      stopped ??= (async () => {
        // From here /healthz fails at once instead of dialing a server that is going away.
        health?.close();
        await stopGrpcServer(graceMs);
        await http?.stop();
      })();
      return stopped;
    },
  };
}
