import { describe, expect, test } from "bun:test";
import { Server } from "@grpc/grpc-js";
import { frontLimits, setMaxHeaderListSize, toGrpcServerOptions } from "./front-limits.ts";

describe("setMaxHeaderListSize()", () => {
  test("adds the setting next to the ones grpc-js derives from its options", () => {
    const server = new Server(toGrpcServerOptions(frontLimits));
    setMaxHeaderListSize(server, 16384);
    const internals = server as unknown as { commonServerOptions: { settings: object } };
    expect(internals.commonServerOptions.settings).toEqual({
      maxConcurrentStreams: frontLimits.maxConcurrentStreams,
      maxHeaderListSize: 16384,
    });
  });

  test("throws when grpc-js no longer builds its HTTP/2 servers from commonServerOptions", () => {
    expect(() => setMaxHeaderListSize({} as Server, 16384)).toThrow(
      "cannot set the HTTP/2 header list limit: grpc-js has no commonServerOptions",
    );
  });
});

describe("toGrpcServerOptions()", () => {
  test("carries the stream, session memory and idle limits", () => {
    expect(toGrpcServerOptions(frontLimits)).toEqual({
      "grpc.max_concurrent_streams": 256,
      "grpc-node.max_session_memory": 64,
      "grpc.max_connection_idle_ms": 300_000,
    });
  });
});
