import { lstatSync, type Stats, statSync, unlinkSync } from "node:fs";
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
import type { Logger } from "../log.ts";
import { type Metrics, noopMetrics } from "../metrics.ts";
import type { MountHandler } from "../mount/handle-mount.ts";
import { createMountContext } from "../mount/mount-context.ts";
import {
  csiServiceDefinition,
  fromMountRequest,
  toMountResponse,
  toVersionResponse,
} from "./csi-service.ts";
import { startAuthorityFront } from "./front/authority-front.ts";
import { frontLimits, setMaxHeaderListSize, toGrpcServerOptions } from "./front/front-limits.ts";
import { readMountLabels } from "./read-mount-labels.ts";
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
  /** Records mounts (count, code, duration, in flight). @default noopMetrics */
  metrics?: Metrics | undefined;
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
  const server = new Server({
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
    // Nothing reads channelz; with it on, grpc-js records every call's start, end and messages
    // (timestamps, counters, a tracker object per call): a few percent of a cached Mount.
    "grpc.enable_channelz": 0,
    ...toGrpcServerOptions(frontLimits),
  });
  setMaxHeaderListSize(server, frontLimits.maxHeaderListSize);
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
  // Drivers before v1.6 send the socket path as :authority, which the HTTP/2 server under grpc-js
  // rejects; the front on the socket fixes that and hands connections over in-process (issue 9).
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const front = await startAuthorityFront({
    socketPath,
    injectConnection: (connection) => injector.injectConnection(connection),
    log,
  });

  return {
    async stop(graceMs) {
      front.stopAccepting();
      // grpc-js sends GOAWAY and closes each connection once its calls are done. Its callback is
      // not the signal: with injected connections it can fire at once under Bun (the injector's
      // never-listening HTTP/2 server closes synchronously), so wait for the connections instead.
      server.tryShutdown(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const isDrained = await Promise.race([
        front.drained().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!isDrained) {
        log.warn("In-flight Mounts did not finish in time; closing connections", { graceMs });
        server.forceShutdown();
        front.destroyConnections();
      }
      front.removeSocket();
    },
  };
}

type MountAnswer = { response: MountResponse } | { status: { code: status; details: string } };

/**
 * Runs one Mount within its budget and turns the outcome into an answer; never rejects. Logs one
 * summary line (pod, namespace, SPC, objects, duration, outcome, code, AWS calls, cache hits):
 * info on success, warn or error on failure with the failure's cause, and records the Mount in the
 * metrics.
 */
async function serveMount(
  call: ServerUnaryCall<MountRequest, MountResponse>,
  options: GrpcServerOptions,
): Promise<MountAnswer> {
  const started = performance.now();
  const metrics = options.metrics ?? noopMetrics;
  const { labels, parsed } = readMountLabels(call.request.attributes);
  const log = options.log.child({ ...labels });
  const mount = createMountContext({
    budgetMs: Math.min(options.mountTimeoutMs, toDeadlineMs(call.getDeadline()) - deadlineMarginMs),
    log,
  });
  const onCancel = () => mount.cancel();
  call.on("cancelled", onCancel);
  const summary = (outcome: string, code: string) => ({
    outcome,
    code,
    objects: mount.tally.objects,
    durationMs: Math.round(performance.now() - started),
    awsCalls: mount.tally.awsCalls,
    cacheHits: mount.tally.cacheHits,
    cacheMisses: mount.tally.cacheMisses,
    kubeRequests: mount.tally.kubeRequests,
  });
  metrics.mountStarted();
  let code = "INTERNAL";
  try {
    // Stages honour the signal, but the answer must not depend on it.
    const request = { ...fromMountRequest(call.request), parsedAttributes: parsed };
    const result = await mount.race(options.handleMount(request, mount));
    code = "OK";
    log.info("Mount succeeded", { ...summary("success", code), files: result.files.length });
    return { response: toMountResponse(result, options.driverWritesSecrets) };
  } catch (error) {
    const answer = toGrpcStatus(error);
    code = answer.providerCode;
    log[answer.level]("Mount failed", {
      ...summary("error", code),
      error: answer.details,
      cause: answer.logged,
    });
    return { status: { code: answer.code, details: answer.details } };
  } finally {
    mount.close();
    call.removeListener("cancelled", onCancel);
    metrics.mountFinished({ code, durationMs: performance.now() - started });
  }
}

/** Milliseconds left until a grpc-js deadline (`Infinity` when the caller set none). */
function toDeadlineMs(deadline: Date | number): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : Number.POSITIVE_INFINITY;
}

/**
 * Removes what a previous run left at the socket path: a socket or a regular file (upstream
 * replaces both). A directory, symlink or other special file is someone else's: refused.
 */
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
  let existing: Stats;
  try {
    existing = lstatSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!existing.isSocket() && !existing.isFile()) {
    const kind = existing.isDirectory()
      ? "a directory"
      : existing.isSymbolicLink()
        ? "a symlink"
        : "a special file";
    throw new Error(
      `cannot create the socket: "${socketPath}" is ${kind}, not a stale socket or file; remove it or choose another --provider-volume`,
    );
  }
  unlinkSync(socketPath);
}
