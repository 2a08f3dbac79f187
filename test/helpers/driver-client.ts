import { create } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import {
  type MountRequest,
  MountRequestSchema,
  type MountResponse,
  VersionRequestSchema,
  type VersionResponse,
} from "../../gen/v1alpha1/service_pb.ts";
import { csiServiceDefinition } from "../../src/server/csi-service.ts";

/** The pod a test mounts for. */
export interface TestPod {
  name: string;
  namespace: string;
  uid?: string;
  serviceAccountName: string;
}

/** What the driver puts into a MountRequest (SPEC §2). */
export interface MountRequestInit {
  /** SPC `spec.parameters` (objects, region, …). */
  parameters: Record<string, string>;
  pod: TestPod;
  /** audience → token; `undefined` leaves the tokens attribute out entirely. */
  tokens?: Record<string, string> | undefined;
  secretProviderClass?: string;
  targetPath?: string;
  /** @default "420" (0644) */
  permission?: string;
  /** @default "null" */
  secrets?: string;
  currentObjectVersion?: { id: string; version: string }[];
}

/** The pod uid of requests whose pod names none. */
export const defaultPodUid = "0d7a3c1e-5b2f-4f1a-9c8e-2b9f6a1d3e4f";

/** Builds a MountRequest exactly as the Secrets Store CSI Driver v1.6 does. */
export function buildMountRequest(init: MountRequestInit): MountRequest {
  const attributes: Record<string, string> = {
    ...init.parameters,
    secretProviderClass: init.secretProviderClass ?? "test-spc",
    "csi.storage.k8s.io/pod.name": init.pod.name,
    "csi.storage.k8s.io/pod.namespace": init.pod.namespace,
    "csi.storage.k8s.io/pod.uid": init.pod.uid ?? defaultPodUid,
    "csi.storage.k8s.io/serviceAccount.name": init.pod.serviceAccountName,
    "csi.storage.k8s.io/ephemeral": "false",
  };
  if (init.tokens !== undefined) {
    const expirationTimestamp = new Date(Date.now() + 3600_000).toISOString();
    attributes["csi.storage.k8s.io/serviceAccount.tokens"] = JSON.stringify(
      Object.fromEntries(
        Object.entries(init.tokens).map(([aud, token]) => [aud, { token, expirationTimestamp }]),
      ),
    );
  }
  return create(MountRequestSchema, {
    attributes: JSON.stringify(attributes),
    secrets: init.secrets ?? "null",
    targetPath:
      init.targetPath ??
      `/var/lib/kubelet/pods/${init.pod.uid ?? defaultPodUid}/volumes/kubernetes.io~csi/secrets/mount`,
    permission: init.permission ?? "420",
    currentObjectVersion: init.currentObjectVersion ?? [],
  });
}

/** A gRPC client that dials the provider socket like the driver. */
export interface DriverClient {
  version(): Promise<VersionResponse>;
  mount(request: MountRequest, options?: { deadlineMs?: number }): Promise<MountResponse>;
  close(): void;
}

const ClientConstructor = makeGenericClientConstructor(csiServiceDefinition, "CSIDriverProvider");

/**
 * Dials `unix:<socketPath>` with `:authority` `localhost`, as driver v1.6 does, or with
 * `options.authority` (the socket path, as drivers up to v1.5 send it).
 */
export function createDriverClient(
  socketPath: string,
  options: { authority?: string } = {},
): DriverClient {
  const client = new ClientConstructor(`unix:${socketPath}`, credentials.createInsecure(), {
    "grpc.default_authority": options.authority ?? "localhost",
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
  }) as unknown as Record<string, (...args: unknown[]) => void> & { close(): void };
  const call = <T>(method: string, request: unknown, deadlineMs: number) =>
    new Promise<T>((resolve, reject) => {
      const callback = (error: ServiceError | null, response: T) =>
        error ? reject(error) : resolve(response);
      client[method]?.(request, { deadline: Date.now() + deadlineMs }, callback);
    });
  return {
    version: () =>
      call<VersionResponse>("Version", create(VersionRequestSchema, { version: "v1alpha1" }), 5000),
    mount: (request, options = {}) =>
      call<MountResponse>("Mount", request, options.deadlineMs ?? 120_000),
    close: () => client.close(),
  };
}

/** Type guard for grpc-js errors (status code + details). */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

/**
 * Awaits a call that must fail and returns its gRPC error.
 * @throws Error when the call succeeds or fails with something other than a gRPC status
 */
export async function grpcError(call: Promise<unknown>): Promise<ServiceError> {
  const outcome = await call.then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  if (!outcome.failed) throw new Error("expected the call to fail, but it succeeded");
  if (!isServiceError(outcome.error)) throw outcome.error;
  return outcome.error;
}
