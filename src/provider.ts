import { createAwsApis } from "./aws/aws-apis.ts";
import type { Config } from "./config.ts";
import { createKubeApi } from "./kube/kube-api.ts";
import type { Logger } from "./log.ts";
import { createMountHandler } from "./mount/handle-mount.ts";
import { type GrpcServer, startGrpcServer } from "./server/grpc-server.ts";

/** In-flight Mounts get this long to finish on SIGTERM/SIGINT (SPEC §1). */
export const shutdownGraceMs = 10_000;

/** A running provider: the gRPC server and what it was built from. */
export interface Provider {
  stop(graceMs?: number): Promise<void>;
}

/**
 * Wires the real adapters (Kubernetes REST, AWS SDK) into the mount pipeline and starts serving on
 * the socket. Shared by `main.ts` and in-process tests, which pass their own config and logger.
 * @throws Error with one clear line when the provider cannot start
 */
export async function startProvider(config: Config, log: Logger): Promise<Provider> {
  if (config.kube.apiUrl === undefined) {
    throw new Error("no Kubernetes API server: set --kube-api-url or KUBERNETES_SERVICE_HOST");
  }
  const kube = createKubeApi({
    baseUrl: config.kube.apiUrl,
    tokenFile: config.kube.tokenFile,
    caFile: config.kube.caFile,
    qps: config.kube.qps,
    burst: config.kube.burst,
    version: config.version,
  });
  const handleMount = createMountHandler({ config, kube, aws: createAwsApis(config.aws) });
  const server: GrpcServer = await startGrpcServer({
    socketPath: config.socketPath,
    handleMount,
    driverWritesSecrets: config.driverWritesSecrets,
    mountTimeoutMs: config.mountTimeoutMs,
    log,
  });
  log.info("AWS provider started", {
    version: config.version,
    socket: config.socketPath,
    writeMode: config.driverWritesSecrets ? "driver-writes-secrets" : "provider-writes-secrets",
  });
  return { stop: (graceMs = shutdownGraceMs) => server.stop(graceMs) };
}
