import {
  create,
  type DescMessage,
  type DescService,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import {
  CSIDriverProvider,
  type MountRequest,
  type MountResponse,
  MountResponseSchema,
  type VersionRequest,
  VersionRequestSchema,
  type VersionResponse,
  VersionResponseSchema,
} from "../../gen/v1alpha1/service_pb.ts";
import type { MountResult } from "../mount/handle-mount.ts";
import type { MountRequestFields } from "../mount/read-request.ts";
import { runtimeName, version } from "../version.ts";

/**
 * The grpc-js service definition of `v1alpha1.CSIDriverProvider`, built from the protobuf-es
 * descriptors in `gen/` so that (de)serialisation is protobuf-es's. The only importer of `gen/`.
 */
export const csiServiceDefinition: ServiceDefinition = toServiceDefinition(CSIDriverProvider);

function toServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: serializerOf(method.input),
      requestDeserialize: deserializerOf(method.input),
      responseSerialize: serializerOf(method.output),
      responseDeserialize: deserializerOf(method.output),
      originalName: method.localName,
    };
  }
  return definition;
}

function serializerOf(schema: DescMessage) {
  return (message: unknown) => Buffer.from(toBinary(schema, message as MessageShape<DescMessage>));
}

function deserializerOf(schema: DescMessage) {
  return (bytes: Buffer) => fromBinary(schema, bytes);
}

/** A Version request as the driver's health check sends it (used by our own `/healthz`). */
export function toVersionRequest(): VersionRequest {
  return create(VersionRequestSchema, { version: "v1alpha1" });
}

/** The Version answer of SPEC §2. */
export function toVersionResponse(): VersionResponse {
  return create(VersionResponseSchema, {
    version: "v1alpha1",
    runtimeName,
    runtimeVersion: version,
  });
}

/** Turns a successful mount into the wire message (files empty when the provider wrote them). */
export function toMountResponse(result: MountResult, driverWritesSecrets: boolean): MountResponse {
  return create(MountResponseSchema, {
    objectVersion: result.objectVersions,
    files: driverWritesSecrets
      ? result.files.map((file) => ({
          path: file.path,
          mode: file.mode,
          contents: file.contents.reveal(),
        }))
      : [],
  });
}

/**
 * Reads the fields of a request the pipeline uses; `secrets` and `current_object_version` are
 * left behind on purpose.
 */
export function fromMountRequest(request: MountRequest): MountRequestFields {
  return {
    attributes: request.attributes,
    targetPath: request.targetPath,
    permission: request.permission,
  };
}
