import { chmodSync, lstatSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type {
  MountRequest,
  MountResponse,
  VersionResponse,
} from "../../gen/v1alpha1/service_pb.ts";
import { Code, ProviderError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { attributeKeys } from "../mount/attribute-keys.ts";
import type { MountHandler } from "../mount/handle-mount.ts";
import {
  csiServiceDefinition,
  fromMountRequest,
  toMountResponse,
  toVersionResponse,
} from "./csi-service.ts";
import { toGrpcStatus } from "./to-grpc-status.ts";

/** The driver's deadline minus this margin bounds a Mount, so the answer arrives in time. */
const deadlineMarginMs = 2000;

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  socketPath: string;
  handleMount: MountHandler;
  driverWritesSecrets: boolean;
  /** Upper bound of one Mount (`--mount-timeout`). */
  mountTimeoutMs: number;
  log: Logger;
}

/** A running provider server. */
export interface GrpcServer {
  /** Stops accepting, lets in-flight calls finish for up to `graceMs`, removes the socket. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Serves `v1alpha1.CSIDriverProvider` on a unix socket: a stale socket file is removed first and
 * the new one is created with mode 0600 (only the driver, running as root, may connect).
 * @throws Error with one clear line when the socket directory is missing or the bind fails
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const { socketPath, log } = options;
  prepareSocketPath(socketPath);
  const server = new Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  server.addService(csiServiceDefinition, {
    Version: (
      _call: ServerUnaryCall<unknown, VersionResponse>,
      callback: sendUnaryData<VersionResponse>,
    ) => callback(null, toVersionResponse()),
    Mount: (
      call: ServerUnaryCall<MountRequest, MountResponse>,
      callback: sendUnaryData<MountResponse>,
    ) => {
      serveMount(call, options).then(
        (answer) =>
          "response" in answer ? callback(null, answer.response) : callback(answer.status),
        (error: unknown) => {
          // serveMount never rejects; this is the last line of defence for the process.
          log.error("Mount handler failed unexpectedly", { error });
          callback({ code: status.INTERNAL, details: "Internal error in the AWS provider" });
        },
      );
    },
  });
  // umask narrows the window in which the socket exists with a wider mode; chmod makes it exact.
  const previousUmask = process.umask(0o177);
  try {
    await new Promise<number>((resolve, reject) =>
      server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (error, port) =>
        error
          ? reject(new Error(`cannot listen on "${socketPath}": ${error.message}`))
          : resolve(port),
      ),
    );
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(socketPath, 0o600);

  return {
    async stop(graceMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn("In-flight Mounts did not finish in time; closing connections", { graceMs });
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      removeSocket(socketPath);
    },
  };
}

type MountAnswer = { response: MountResponse } | { status: { code: status; details: string } };

/** Runs one Mount within its budget and turns the outcome into an answer; never rejects. */
async function serveMount(
  call: ServerUnaryCall<MountRequest, MountResponse>,
  options: GrpcServerOptions,
): Promise<MountAnswer> {
  const started = performance.now();
  const log = options.log.child(toLogContext(call.request.attributes));
  const budgetMs = Math.min(
    options.mountTimeoutMs,
    toDeadlineMs(call.getDeadline()) - deadlineMarginMs,
  );
  const controller = new AbortController();
  const onCancel = () =>
    controller.abort(
      new ProviderError(Code.DeadlineExceeded, "The driver cancelled the Mount", {
        reason: "Cancelled",
      }),
    );
  call.on("cancelled", onCancel);
  const timer = setTimeout(
    () =>
      controller.abort(
        new ProviderError(
          Code.DeadlineExceeded,
          `Mount did not finish within its ${(Math.max(0, budgetMs) / 1000).toFixed(1)}s budget: AWS or the Kubernetes API did not answer in time`,
          { reason: "DeadlineExceeded" },
        ),
      ),
    Math.max(0, budgetMs),
  );
  // Stages honour the signal, but the answer must not depend on it: race the pipeline against it.
  const aborted = new Promise<never>((_, reject) =>
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
      once: true,
    }),
  );
  aborted.catch(() => {});
  try {
    const result = await Promise.race([
      options.handleMount(fromMountRequest(call.request), { signal: controller.signal, log }),
      aborted,
    ]);
    log.info("Mount succeeded", {
      outcome: "success",
      code: "OK",
      files: result.files.length,
      durationMs: Math.round(performance.now() - started),
    });
    return { response: toMountResponse(result, options.driverWritesSecrets) };
  } catch (error) {
    const answer = toGrpcStatus(error, log);
    log.info("Mount failed", {
      outcome: "error",
      code: answer.providerCode,
      durationMs: Math.round(performance.now() - started),
      error: answer.details,
    });
    return { status: { code: answer.code, details: answer.details } };
  } finally {
    clearTimeout(timer);
    call.removeListener("cancelled", onCancel);
  }
}

/** Milliseconds left until a grpc-js deadline (`Infinity` when the caller set none). */
function toDeadlineMs(deadline: Date | number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : Number.POSITIVE_INFINITY;
}

/** Pod and SPC names for log lines, read leniently: the request is validated later. */
function toLogContext(attributesJson: string): Record<string, string | undefined> {
  try {
    const attributes: unknown = JSON.parse(attributesJson);
    if (attributes === null || typeof attributes !== "object") return {};
    const read = (key: string) => {
      const value = (attributes as Record<string, unknown>)[key];
      return typeof value === "string" ? value : undefined;
    };
    return {
      pod: read(attributeKeys.podName),
      namespace: read(attributeKeys.podNamespace),
      secretProviderClass: read(attributeKeys.secretProviderClass),
    };
  } catch {
    return {};
  }
}

function prepareSocketPath(socketPath: string): void {
  const directory = dirname(socketPath);
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory)
    throw new Error(`socket directory "${directory}" does not exist (--provider-volume)`);
  try {
    const existing = lstatSync(socketPath);
    if (!existing.isSocket()) {
      throw new Error(`"${socketPath}" exists and is not a socket; refusing to replace it`);
    }
    unlinkSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function removeSocket(socketPath: string): void {
  try {
    unlinkSync(socketPath);
  } catch {
    // Already gone: nothing to clean up.
  }
}
