import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { MountRequestSchema } from "../../gen/v1alpha1/service_pb.ts";
import { Code } from "../../src/errors.ts";
import { type BedMountHandler, createBedMountHandler } from "../helpers/bed-handler.ts";
import { isServiceError } from "../helpers/driver-client.ts";
import { findLeaks, startTestBed, type TestBed } from "../helpers/test-bed.ts";
import {
  check,
  checkMountResult,
  type FuzzedRequest,
  type FuzzWorld,
  fuzzStats,
  handlerProperty,
  mountRequest,
  prototypeSnapshot,
  requestParsingProperty,
  seedFuzzWorld,
} from "./fuzz-properties.ts";

/** Runs per property: small and seeded here, `FUZZ_RUNS` in the soak. */
const numRuns = Number(process.env["FUZZ_RUNS"] ?? "") || 400;

let bed: TestBed;
let world: FuzzWorld;
let pipeline: BedMountHandler;
const prototypeBefore = prototypeSnapshot();

beforeAll(async () => {
  bed = await startTestBed();
  world = seedFuzzWorld(bed);
  pipeline = createBedMountHandler(bed);
});

afterAll(async () => {
  const sensitive = [...bed.aws.sensitiveValues(), ...bed.kube.sensitiveValues()];
  await bed.stop();
  expect(findLeaks(pipeline.output(), sensitive)).toEqual([]);
});

const mountDirectly = (request: FuzzedRequest) => pipeline.mount(request);

describe("fuzzed MountRequests", () => {
  test("readRequest() and readSpc() return clean unique paths or INVALID_ARGUMENT for whole requests", () => {
    fc.assert(requestParsingProperty(world), { numRuns: numRuns * 2, seed: 7_100_001 });
  });

  test("the mount pipeline mounts clean unique paths or throws a ProviderError with a message, never INTERNAL", async () => {
    await fc.assert(handlerProperty(world, mountDirectly), { numRuns, seed: 7_100_002 });
  });

  test("the generators reach real mounts and every kind of refusal", () => {
    // Without this, a generator that only produced junk would make the properties above vacuous.
    expect(fuzzStats.requestsAccepted).toBeGreaterThan(numRuns / 10);
    expect(fuzzStats.requestsRefused).toBeGreaterThan(numRuns / 10);
    expect(fuzzStats.mounted).toBeGreaterThan(numRuns / 40);
    expect(fuzzStats.failed[Code.InvalidArgument] ?? 0).toBeGreaterThan(numRuns / 4);
    expect(fuzzStats.failed[Code.NotFound] ?? 0).toBeGreaterThan(0);
    expect(fuzzStats.failed[Code.FailedPrecondition] ?? 0).toBeGreaterThan(0);
  });

  test("the in-process provider answers every fuzzed request over gRPC with a status and keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(mountRequest(world), async (request) => {
        const grpcRequest = create(MountRequestSchema, { ...request, secrets: "null" });
        let response: Awaited<ReturnType<TestBed["client"]["mount"]>>;
        try {
          response = await bed.client.mount(grpcRequest, { deadlineMs: 10_000 });
        } catch (error) {
          check(isServiceError(error), `not a gRPC status: ${String(error)}`);
          check(error.details.trim() !== "", "empty status message");
          if (request.isMalformed) check(error.code === status.INVALID_ARGUMENT, error.details);
          else
            check(error.code !== status.INTERNAL && error.code !== status.UNKNOWN, error.details);
          return;
        }
        check(!request.isMalformed, "a malformed request mounted");
        checkMountResult({
          files: response.files,
          objectVersions: response.objectVersion,
        });
      }),
      { numRuns: Math.ceil(numRuns / 2), seed: 7_100_003 },
    );
    expect((await bed.client.version()).version).toBe("v1alpha1");
    expect(bed.output()).not.toContain("Unexpected error while mounting");
    expect(bed.output()).not.toContain("Mount handler failed unexpectedly");
  });

  test("no fuzzed key (__proto__, constructor, …) polluted Object.prototype or Array.prototype", () => {
    expect(prototypeSnapshot()).toBe(prototypeBefore);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
