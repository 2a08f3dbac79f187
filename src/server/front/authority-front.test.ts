import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { connect, constants } from "node:http2";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  MountRequestSchema,
  type MountResponse,
  MountResponseSchema,
  VersionRequestSchema,
  type VersionResponse,
} from "../../../gen/v1alpha1/service_pb.ts";
import {
  connectRawHttp2,
  emptyMountRequest,
  Http2Error,
  mountRequestFields,
  SettingId,
  toFrame,
  toGrpcMessage,
} from "../../../test/helpers/raw-http2-client.ts";
import { createLogger } from "../../log.ts";
import { Redacted } from "../../redacted.ts";
import { csiServiceDefinition, toVersionResponse } from "../csi-service.ts";
import { createGrpcHealthCheck } from "../grpc-health-check.ts";
import { type GrpcServer, startGrpcServer } from "../grpc-server.ts";
import {
  isServableAuthority,
  readSessionErrorCode,
  startAuthorityFront,
  toServableHeaders,
} from "./authority-front.ts";
import { createFrameScanner } from "./frame-scanner.ts";
import { type FrontLimits, frontLimits, toGrpcServerOptions } from "./front-limits.ts";
import { encodeHeaderBlock } from "./hpack/hpack-encoder.ts";
import { clientPreface, FrameFlag, FrameType } from "./http2-frames.ts";

const Client = makeGenericClientConstructor(csiServiceDefinition, "CSIDriverProvider");
type UnaryClient = Record<string, (...args: unknown[]) => void> & { close(): void };

/** A grpc-js client that sends `authority` as `:authority`, like grpc-go in drivers before v1.6. */
function createClient(socketPath: string, authority: string, deadlineMs = 10_000) {
  const client = new Client(`unix:${socketPath}`, credentials.createInsecure(), {
    "grpc.default_authority": authority,
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
    "grpc.max_send_message_length": 4 * 1024 * 1024,
  }) as unknown as UnaryClient;
  const call = <T>(method: string, request: unknown) =>
    new Promise<T>((resolve, reject) =>
      client[method]?.(
        request,
        { deadline: Date.now() + deadlineMs },
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

describe("Bun platform behaviour the front relies on", () => {
  // stopAccepting() and the socket re-creation depend on it; when this fails, the front must
  // unlink its socket itself again (and may then close a listener whose path was taken over).
  test("net.Server.close() unlinks whatever file is at its unix socket path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bun-unlink-"));
    const path = join(dir, "aws.sock");
    try {
      const listener = createServer();
      await new Promise<void>((resolve) => listener.listen(path, resolve));
      rmSync(path);
      writeFileSync(path, "another process's file");
      listener.close();
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Why maxSessionMemoryMiB is a last resort well above what a driver queues: past it, Bun
  // neither answers nor resets the calls that did not fit; they wait for their deadline.
  test("calls beyond grpc-node.max_session_memory get no answer until their deadline", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bun-session-memory-"));
    const socketPath = join(dir, "aws.sock");
    const server = new Server({ "grpc-node.max_session_memory": 1 });
    const answer = new Uint8Array(256 * 1024).fill(0x61);
    server.addService(csiServiceDefinition, {
      Mount: (_call: unknown, callback: (e: null, r: MountResponse) => void) =>
        callback(
          null,
          create(MountResponseSchema, {
            files: [{ path: "a", mode: 0o644, contents: answer }],
            objectVersion: [{ id: "a", version: "1" }],
          }),
        ),
    });
    await new Promise((resolve, reject) =>
      server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    const client = createClient(socketPath, "localhost", 2000);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          client.mount("x").then(
            () => "answered",
            (error: ServiceError) => status[error.code],
          ),
        ),
      );
      expect(outcomes).toContain("answered");
      expect(new Set(outcomes)).toEqual(new Set(["answered", "DEADLINE_EXCEEDED"]));
    } finally {
      client.close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Bun's HTTP/2 server on an injected connection", () => {
  // Why the front's destroy() sends a GOAWAY itself: when this fails, Bun writes its own and the
  // front's can go (it already stays silent after one of Bun's).
  test("gives up on too many refused streams without writing a GOAWAY, only a session error", async () => {
    const server = new Server({ "grpc.max_concurrent_streams": 2 });
    server.addService(csiServiceDefinition, { Mount: () => {} });
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    const written: Uint8Array[] = [];
    let destroyedWith: unknown;
    const connection = new Duplex({
      read() {},
      write(chunk: Uint8Array, _encoding, callback) {
        written.push(chunk);
        callback();
      },
      destroy(error, callback) {
        destroyedWith = error;
        callback(error);
      },
    });
    connection.on("error", () => {});
    injector.injectConnection(connection);
    const block = encodeHeaderBlock(mountRequestFields());
    connection.push(clientPreface);
    connection.push(toFrame({ type: FrameType.Settings, flags: 0, streamId: 0 }));
    const requests = Array.from({ length: 300 }, (_, i) =>
      toFrame({ type: FrameType.Headers, flags: FrameFlag.EndHeaders, streamId: 1 + 2 * i }, block),
    );
    connection.push(Buffer.concat(requests));
    try {
      const until = Date.now() + 5000;
      while (destroyedWith === undefined && Date.now() < until) await Bun.sleep(10);
      expect(readSessionErrorCode(destroyedWith)).toBe(Http2Error.ENHANCE_YOUR_CALM);
      const types: number[] = [];
      const scanner = createFrameScanner((header) => types.push(header.type));
      for (const chunk of written) scanner.scan(chunk);
      expect(types).not.toContain(FrameType.GoAway);
    } finally {
      server.forceShutdown();
    }
  });
});

describe("readSessionErrorCode()", () => {
  test("reads the code of node:http2's session error and nothing else", () => {
    const sessionError = Object.assign(new Error("Session closed with error code 11"), {
      code: "ERR_HTTP2_SESSION_ERROR",
    });
    expect(readSessionErrorCode(sessionError)).toBe(11);
    expect(readSessionErrorCode(new Error("Session closed with error code 11"))).toBeUndefined();
    expect(readSessionErrorCode(undefined)).toBeUndefined();
  });
});

describe("startGrpcServer() HTTP/2 limits", () => {
  let dir: string;
  let socketPath: string;
  let server: GrpcServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "front-limits-"));
    socketPath = join(dir, "aws.sock");
    server = await startGrpcServer({
      socketPath,
      driverWritesSecrets: true,
      mountTimeoutMs: 10_000,
      log: createLogger({ write: () => {} }),
      handleMount: async () => ({ files: [], objectVersions: [{ id: "a", version: "1" }] }),
    });
  });
  afterAll(async () => {
    await server.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  // Pins setMaxHeaderListSize(): grpc-js has no option for it and may rename its internals.
  test("advertises MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE", async () => {
    const client = await connectRawHttp2(socketPath);
    try {
      await client.until(() => client.serverSettings.size > 0, 5000, "the server's SETTINGS");
      expect(client.serverSettings.get(SettingId.MaxConcurrentStreams)).toBe(
        frontLimits.maxConcurrentStreams,
      );
      expect(client.serverSettings.get(SettingId.MaxHeaderListSize)).toBe(
        frontLimits.maxHeaderListSize,
      );
    } finally {
      client.destroy();
    }
  });

  test.each([
    ["localhost (piped)", "localhost"],
    ["the socket path (re-encoded)", "/var/run/secrets-store-csi-providers/aws.sock"],
  ])(
    "answers a header list at the limit and refuses one beyond it, authority %s",
    async (_name, authority) => {
      const client = await connectRawHttp2(socketPath);
      try {
        const fields = mountRequestFields(authority);
        const used = fields.reduce((sum, f) => sum + f.name.length + f.value.length + 32, 0);
        const filler = (size: number) => ({
          name: "x-fill",
          value: "a".repeat(size),
          neverIndexed: false,
        });
        const room = frontLimits.maxHeaderListSize - used - "x-fill".length - 32;
        client.write(client.headersFrame(1, [...fields, filler(room)]));
        client.write(
          toFrame(
            { type: FrameType.Data, flags: FrameFlag.EndStream, streamId: 1 },
            toGrpcMessage(emptyMountRequest()),
          ),
        );
        await client.until(() => client.streams.get(1)?.isEnded === true, 5000, "the answer");
        expect(client.streams.get(1)?.headers.at(-1)?.["grpc-status"]).toBe("0");
        client.write(client.headersFrame(3, [...fields, filler(room + 1)], { isEndStream: true }));
        await client.until(
          () => client.streams.get(3)?.resetCode !== undefined || client.goAwayCode() !== undefined,
          5000,
          "a refusal",
        );
        // Piped: Bun resets the stream; re-encoded: the front closes the connection.
        expect([client.streams.get(3)?.resetCode, client.goAwayCode()]).toContain(
          Http2Error.ENHANCE_YOUR_CALM,
        );
      } finally {
        client.destroy();
      }
    },
  );
});

/** The front with `limits` over a bare grpc-js server whose Version answers. */
async function startBareFront(limits: Partial<FrontLimits>, directoryName = "bare-front-") {
  const dir = mkdtempSync(join(tmpdir(), directoryName));
  const socketPath = join(dir, "aws.sock");
  const server = new Server(toGrpcServerOptions(frontLimits));
  server.addService(csiServiceDefinition, {
    Version: (_call: unknown, callback: (e: null, r: VersionResponse) => void) =>
      callback(null, toVersionResponse()),
  });
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  let logged = "";
  const front = await startAuthorityFront({
    socketPath,
    injectConnection: (connection) => injector.injectConnection(connection),
    log: createLogger({ write: (line) => (logged += line) }),
    limits: { ...frontLimits, ...limits },
  });
  return {
    dir,
    socketPath,
    front,
    logged: () => logged,
    async [Symbol.asyncDispose]() {
      front.stopAccepting();
      front.destroyConnections();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("startAuthorityFront() connection limits", () => {
  test("refuses connections beyond maxConnections and accepts again once one closes", async () => {
    await using bed = await startBareFront({ maxConnections: 2 });
    const first = await connectRawHttp2(bed.socketPath);
    const second = await connectRawHttp2(bed.socketPath);
    const third = await connectRawHttp2(bed.socketPath);
    expect((await third.closed).byPeer).toBe(true);
    expect(bed.logged()).toContain("too many open connections");
    first.destroy();
    await first.closed;
    // The slot frees once the server side has seen the close.
    const until = Date.now() + 5000;
    let fourth = await connectRawHttp2(bed.socketPath);
    while (
      Date.now() < until &&
      (await Promise.race([fourth.closed.then(() => true), Bun.sleep(100).then(() => false)]))
    ) {
      fourth = await connectRawHttp2(bed.socketPath);
    }
    expect(fourth.isClosed()).toBe(false);
    fourth.destroy();
    second.destroy();
    await Promise.all([fourth.closed, second.closed]);
  });

  test("frees the slot of every health check, which dials afresh and hangs up", async () => {
    await using bed = await startBareFront({ maxConnections: 2 });
    const health = createGrpcHealthCheck(bed.socketPath);
    for (let i = 0; i < 6; i++) {
      expect(await health.check()).toEqual({ isHealthy: true });
      await Bun.sleep(50);
    }
  });

  test("closes connections that stall in the handshake, mid-frame or mid-request", async () => {
    await using bed = await startBareFront({ handshakeTimeoutMs: 300, stallTimeoutMs: 300 });
    const silent = await connectRawHttp2(bed.socketPath, {
      sendsPreface: false,
      isAckingSettings: false,
    });
    const midFrame = await connectRawHttp2(bed.socketPath);
    midFrame.write(
      toFrame({ type: FrameType.Ping, flags: 0, streamId: 0 }, new Uint8Array(8)).subarray(0, 12),
    );
    const midRequest = await connectRawHttp2(bed.socketPath);
    midRequest.write(midRequest.headersFrame(1, mountRequestFields()));
    const waiting = await connectRawHttp2(bed.socketPath);
    const started = performance.now();
    for (const client of [silent, midFrame, midRequest]) {
      const closed = await client.closed;
      expect(closed.byPeer).toBe(true);
    }
    expect(performance.now() - started).toBeLessThan(5000);
    expect(midRequest.goAwayCode()).toBe(Http2Error.NO_ERROR);
    expect(waiting.isClosed()).toBe(false);
    expect(bed.logged()).toContain("Closed a stalled connection");
    waiting.destroy();
  });

  test("creates the socket file again when it is removed", async () => {
    await using bed = await startBareFront({});
    rmSync(bed.socketPath);
    const until = Date.now() + 5000;
    while (!existsSync(bed.socketPath) && Date.now() < until) await Bun.sleep(20);
    expect(statSync(bed.socketPath).mode & 0o777).toBe(0o600);
    const client = createClient(bed.socketPath, "localhost");
    expect((await client.version()).version).toBe("v1alpha1");
    client.close();
    expect(bed.logged()).toContain("created it again");
  });

  test("fails /healthz when the socket cannot be created again (its directory is gone)", async () => {
    await using bed = await startBareFront({});
    const health = createGrpcHealthCheck(bed.socketPath);
    expect(await health.check()).toEqual({ isHealthy: true });
    rmSync(bed.dir, { recursive: true });
    await Bun.sleep(1500);
    expect((await health.check()).isHealthy).toBe(false);
    expect(bed.logged()).toContain("Cannot create the removed provider socket again");
  });

  test("publishes its socket only once it listens, leaving nothing else beside it", async () => {
    // Bound and listening at a temporary path, then linked into place: a driver that dials the
    // moment the path appears is never refused (issue 13's flake of a bind before listen).
    await using bed = await startBareFront({});
    expect(readdirSync(bed.dir)).toEqual(["aws.sock"]);
    rmSync(bed.socketPath);
    const until = Date.now() + 5000;
    while (!existsSync(bed.socketPath) && Date.now() < until) await Bun.sleep(20);
    expect(readdirSync(bed.dir)).toEqual(["aws.sock"]);
    bed.front.stopAccepting();
    expect(readdirSync(bed.dir)).toEqual([]);
  });

  test("binds a socket path too long for a temporary suffix in place", async () => {
    // `<tmpdir>/<name><6 random characters>/aws.sock` is 107 bytes, the most sun_path holds.
    const name = "x".repeat(107 - `${tmpdir()}/`.length - 6 - "/aws.sock".length);
    await using bed = await startBareFront({}, name);
    expect(Buffer.byteLength(bed.socketPath)).toBe(107);
    const client = createClient(bed.socketPath, "localhost");
    expect((await client.version()).version).toBe("v1alpha1");
    client.close();
    expect(readdirSync(bed.dir)).toEqual(["aws.sock"]);
  });

  test("never replaces a file that appeared at its path, and cleans up its temporary socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "front-taken-"));
    const socketPath = join(dir, "aws.sock");
    writeFileSync(socketPath, "another process's file");
    try {
      await expect(
        startAuthorityFront({
          socketPath,
          injectConnection: () => {},
          log: createLogger({ write: () => {} }),
        }),
      ).rejects.toThrow(`cannot listen on "${socketPath}"`);
      expect(readFileSync(socketPath, "utf8")).toBe("another process's file");
      expect(readdirSync(dir)).toEqual(["aws.sock"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("leaves a socket another process put at its path alone", async () => {
    await using bed = await startBareFront({});
    rmSync(bed.socketPath);
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(bed.socketPath, resolve));
    const identity = statSync(bed.socketPath).ino;
    await Bun.sleep(1500);
    bed.front.stopAccepting();
    bed.front.removeSocket();
    expect(statSync(bed.socketPath).ino).toBe(identity);
    expect(bed.logged()).toContain("Another process replaced the provider socket");
    other.close();
  });
});
