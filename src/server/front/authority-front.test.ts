import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { connect, constants } from "node:http2";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  MountRequestSchema,
  type MountResponse,
  VersionRequestSchema,
  type VersionResponse,
} from "../../../gen/v1alpha1/service_pb.ts";
import { createLogger } from "../../log.ts";
import { Redacted } from "../../redacted.ts";
import { csiServiceDefinition, toVersionResponse } from "../csi-service.ts";
import { type GrpcServer, startGrpcServer } from "../grpc-server.ts";
import { isServableAuthority, toServableHeaders } from "./authority-front.ts";

const Client = makeGenericClientConstructor(csiServiceDefinition, "CSIDriverProvider");
type UnaryClient = Record<string, (...args: unknown[]) => void> & { close(): void };

/** A grpc-js client that sends `authority` as `:authority`, like grpc-go in drivers before v1.6. */
function createClient(socketPath: string, authority: string) {
  const client = new Client(`unix:${socketPath}`, credentials.createInsecure(), {
    "grpc.default_authority": authority,
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
    "grpc.max_send_message_length": 4 * 1024 * 1024,
  }) as unknown as UnaryClient;
  const call = <T>(method: string, request: unknown) =>
    new Promise<T>((resolve, reject) =>
      client[method]?.(
        request,
        { deadline: Date.now() + 10_000 },
        (error: ServiceError | null, answer: T) => (error ? reject(error) : resolve(answer)),
      ),
    );
  return {
    version: () => call<VersionResponse>("Version", create(VersionRequestSchema, {})),
    mount: (attributes: string) =>
      call<MountResponse>("Mount", create(MountRequestSchema, { attributes, permission: "420" })),
    close: () => client.close(),
  };
}

describe("isServableAuthority()", () => {
  test.each(["localhost", "localhost:50051", "[::1]:443", "a.b-c_d~e", "%2Fpath", ""])(
    "accepts %p",
    (authority) => expect(isServableAuthority(authority)).toBe(true),
  );
  test.each(["/var/run/secrets-store-csi-providers/aws.sock", "user@host", "a b", "a?b", "é"])(
    "rejects %p",
    (authority) => expect(isServableAuthority(authority)).toBe(false),
  );
});

describe("toServableHeaders()", () => {
  test("replaces only an unservable :authority, keeping its never-indexed flag", () => {
    const fields = [
      { name: ":authority", value: "/tmp/aws.sock", neverIndexed: true },
      { name: ":path", value: "/a/b", neverIndexed: false },
    ];
    expect(toServableHeaders(fields)).toEqual([
      { name: ":authority", value: "localhost", neverIndexed: true },
      { name: ":path", value: "/a/b", neverIndexed: false },
    ]);
  });
});

describe("a grpc-js server on Bun without the front (issue 9)", () => {
  test("resets a stream whose :authority is the socket path with PROTOCOL_ERROR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authority-bare-"));
    const socketPath = join(dir, "aws.sock");
    const server = new Server();
    server.addService(csiServiceDefinition, {
      Version: (_call: unknown, callback: (e: null, r: VersionResponse) => void) =>
        callback(null, toVersionResponse()),
    });
    await new Promise((resolve, reject) =>
      server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    const legacy = createClient(socketPath, socketPath);
    const current = createClient(socketPath, "localhost");
    try {
      expect((await current.version()).version).toBe("v1alpha1");
      await expect(legacy.version()).rejects.toThrow("RST_STREAM with code 1");
    } finally {
      legacy.close();
      current.close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("startGrpcServer() behind the authority front", () => {
  let dir: string;
  let socketPath: string;
  let server: GrpcServer;
  let logged = "";
  const big = "x".repeat(3_900_000);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "authority-front-"));
    socketPath = join(dir, "aws.sock");
    server = await startGrpcServer({
      socketPath,
      driverWritesSecrets: true,
      mountTimeoutMs: 10_000,
      log: createLogger({ level: "debug", write: (line) => (logged += line) }),
      // Echoes the request size, or answers ~3.9 MiB when asked for "big".
      handleMount: async (request) => ({
        files: [
          {
            path: "echo",
            mode: 0o644,
            contents: new Redacted(
              new TextEncoder().encode(
                request.attributes === "big" ? big : `${request.attributes.length}`,
              ),
            ),
          },
        ],
        objectVersions: [{ id: "echo", version: "1" }],
      }),
    });
  });

  afterAll(async () => {
    await server.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  test("creates the socket with mode 0600", () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
  });

  test.each([
    ["the socket path, like drivers before v1.6", () => socketPath],
    ["localhost, like driver v1.6", () => "localhost"],
  ])("serves a client whose :authority is %s", async (_name, authority) => {
    const client = createClient(socketPath, authority());
    try {
      expect((await client.version()).runtimeName).toBe("secrets-store-csi-driver-provider-aws");
      const answer = await client.mount("small");
      expect(new TextDecoder().decode(answer.files[0]?.contents)).toBe("5");
    } finally {
      client.close();
    }
  });

  test("serves 200 concurrent calls of a legacy client on one connection", async () => {
    const client = createClient(socketPath, socketPath);
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => client.mount(`request-${"y".repeat(i)}`)),
      );
      const lengths = answers.map((answer) => new TextDecoder().decode(answer.files[0]?.contents));
      expect(lengths).toEqual(answers.map((_, i) => `${8 + i}`));
    } finally {
      client.close();
    }
  });

  test("carries ~3.9 MiB requests and responses both ways", async () => {
    const client = createClient(socketPath, socketPath);
    try {
      const echoed = await client.mount(big);
      expect(new TextDecoder().decode(echoed.files[0]?.contents)).toBe(`${big.length}`);
      const answer = await client.mount("big");
      expect(answer.files[0]?.contents.length).toBe(big.length);
    } finally {
      client.close();
    }
  });

  // Not both at once: Bun's client writes a wrong pad length then, which Bun's server rejects too.
  test.each([
    ["padded", { paddingStrategy: constants.PADDING_STRATEGY_MAX }, {}],
    ["prioritised", {}, { weight: 200, exclusive: true }],
  ])("serves %s HEADERS of a node:http2 client", async (_name, sessionOptions, streamOptions) => {
    const session = connect("http://localhost", {
      createConnection: () => createConnection(socketPath),
      ...sessionOptions,
    });
    try {
      const body = toBinary(MountRequestSchema, create(MountRequestSchema, { attributes: "abc" }));
      const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
      const stream = session.request(
        {
          ":method": "POST",
          ":path": "/v1alpha1.CSIDriverProvider/Mount",
          ":authority": socketPath,
          "content-type": "application/grpc",
          te: "trailers",
        },
        streamOptions,
      );
      stream.end(frame);
      const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        stream.on("trailers", resolve);
        stream.on("error", reject);
        stream.resume();
      });
      expect(trailers["grpc-status"]).toBe("0");
    } finally {
      session.close();
    }
  });

  test("closes a connection that is not HTTP/2 and keeps serving others", async () => {
    const socket = createConnection(socketPath);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    socket.resume();
    await new Promise((resolve) => socket.on("close", resolve));
    expect(logged).toContain("Closed a connection that broke HTTP/2");
    const client = createClient(socketPath, socketPath);
    expect((await client.version()).version).toBe("v1alpha1");
    client.close();
  });
});

describe("GrpcServer.stop()", () => {
  test("lets an in-flight Mount finish, then removes the socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "authority-stop-"));
    const socketPath = join(dir, "aws.sock");
    let release = () => {};
    const server = await startGrpcServer({
      socketPath,
      driverWritesSecrets: true,
      mountTimeoutMs: 10_000,
      log: createLogger({ write: () => {} }),
      handleMount: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return { files: [], objectVersions: [{ id: "a", version: "1" }] };
      },
    });
    const client = createClient(socketPath, socketPath);
    try {
      const inFlight = client.mount("slow");
      await Bun.sleep(100);
      const stopped = server.stop(5000);
      await Bun.sleep(100);
      release();
      expect((await inFlight).objectVersion).toHaveLength(1);
      await stopped;
      expect(existsSync(socketPath)).toBe(false);
    } finally {
      client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
