import { join } from "node:path";
import { parseArgs } from "../../src/cli.ts";
import { loadConfig } from "../../src/config.ts";
import { createMountDeps } from "../../src/create-mount-deps.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import {
  createMountHandler,
  type MountHandler,
  type MountResult,
} from "../../src/mount/handle-mount.ts";
import { createMountContext } from "../../src/mount/mount-context.ts";
import type { MountRequestFields } from "../../src/mount/read-request.ts";
import type { TestBed } from "./test-bed.ts";

/** The mount pipeline itself, without gRPC, wired to a test bed's fakes. */
export interface BedMountHandler {
  handle: MountHandler;
  /** Runs `handle` in a Mount context of its own (10 s budget, the pipeline's logger). */
  mount(request: MountRequestFields): Promise<MountResult>;
  /** The pipeline's logger (debug level). */
  log: Logger;
  /** Everything the pipeline logged. */
  output(): string;
}

/**
 * Builds the real mount pipeline (`createMountDeps` + `createMountHandler`) against the fake AWS,
 * Kubernetes API and Pod Identity agent of `bed`, as `startProvider` would but without the gRPC
 * server: for properties that need the thrown error itself, not its gRPC rendering.
 */
export function createBedMountHandler(bed: TestBed, extraFlags: string[] = []): BedMountHandler {
  const parsed = parseArgs([
    `--provider-volume=${bed.dir}`,
    `--kube-api-url=${bed.kube.url}`,
    // startTestBed writes the fake API server's client files under these names.
    `--kube-token-file=${join(bed.dir, "token")}`,
    `--kube-ca-file=${join(bed.dir, "ca.crt")}`,
    `--pod-identity-agent-url=${bed.agent.url}`,
    "--log-level=debug",
    "--metrics-address=",
    ...extraFlags,
  ]);
  if (!parsed.ok || parsed.command !== "run") {
    throw new Error(`bad handler flags: ${JSON.stringify(parsed)}`);
  }
  const config = loadConfig(parsed.flags, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: bed.aws.url,
    AWS_ENDPOINT_URL_SSM: bed.aws.url,
    AWS_ENDPOINT_URL_STS: bed.aws.url,
    AWS_MAX_ATTEMPTS: "2",
  });
  let output = "";
  const log = createLogger({ level: "debug", write: (line) => (output += line) });
  const handle = createMountHandler(createMountDeps(config, log));
  return {
    handle,
    async mount(request) {
      const context = createMountContext({ budgetMs: 10_000, log });
      try {
        return await context.race(handle(request, context));
      } finally {
        context.close();
      }
    },
    log,
    output: () => output,
  };
}
