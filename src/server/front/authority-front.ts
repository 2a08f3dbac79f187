import { chmodSync, linkSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { Duplex } from "node:stream";
import type { Logger } from "../../log.ts";
import { createConnectionGuard, type GuardVerdict } from "./connection-guard.ts";
import { createFrameScanner } from "./frame-scanner.ts";
import { type FrontLimits, frontLimits } from "./front-limits.ts";
import type { HeaderField } from "./hpack/hpack-static-table.ts";
import { clientPreface, FrameType, toGoAwayFrame } from "./http2-frames.ts";
import {
  createRequestRewriter,
  Http2ConnectionError,
  http2ErrorCodes,
} from "./request-rewriter.ts";

/**
 * `:authority` values the HTTP/2 server under grpc-js accepts. Measured on Bun 1.4.5: it resets a
 * stream whose authority holds anything outside RFC 3986 unreserved, sub-delims, `:`, `[`, `]` and
 * `%` (so `/`, `@`, `?`, `#`, space, non-ASCII...). Drivers before v1.6 send the socket path.
 */
const servableAuthority = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]%]*$/;

/** What a rejected authority becomes: the value driver v1.6 sends itself. */
const fallbackAuthority = "localhost";

/** How often timeouts and the socket file are checked. */
const tickMs = 1000;

/** A closed connection gets this long to flush its GOAWAY before its socket is destroyed. */
const closeGraceMs = 1000;

/** How long an ended connection waits for the session error that may follow (see final()). */
const sessionErrorWaitMs = 200;

/** HTTP/2 INTERNAL_ERROR, for a connection the front itself failed on. */
const internalError = 0x2;

/** Warnings about closed or refused connections per tick; the rest are counted, not logged. */
const warningsPerTick = 10;

/** Whether the HTTP/2 server under grpc-js accepts `authority` as `:authority`. */
export function isServableAuthority(authority: string): boolean {
  return servableAuthority.test(authority);
}

/** Options of {@link startAuthorityFront}. */
export interface AuthorityFrontOptions {
  /** Unix socket to create (mode 0600); the caller removes a stale one first. */
  socketPath: string;
  /** Hands one accepted, guarded (and, for old drivers, rewritten) connection to the gRPC server. */
  injectConnection(connection: Duplex): void;
  log: Logger;
  /** @default frontLimits */
  limits?: FrontLimits;
}

/** The listening front. */
export interface AuthorityFront {
  /** Stops accepting connections; open ones go on until their peers or the server end them. */
  stopAccepting(): void;
  /** Resolves once every accepted connection has closed. */
  drained(): Promise<void>;
  /** Ends every open connection now. */
  destroyConnections(): void;
  /** Removes the socket file, unless another process has put its own socket there since. */
  removeSocket(): void;
}

/** One accepted connection as the front tracks it. */
interface GuardedConnection {
  /** Checks the connection's timeouts. */
  check(now: number): void;
  destroy(): void;
}

/**
 * Listens on the provider socket and hands each connection to the gRPC server in-process, with
 * every client header block re-encoded and an unservable `:authority` replaced by `localhost`
 * (or, once the first block shows a servable one, piped untouched). Either way each connection
 * is held to {@link FrontLimits}: its frame headers are read in both directions to count header
 * blocks, control frames, unfinished requests and answers, and a connection that breaks a limit
 * or stalls is sent a GOAWAY and closed. If the socket file is removed while the provider runs,
 * the front creates it again. There is no second socket: nothing else can reach the gRPC server.
 * @throws Error with one clear line when the socket cannot be created
 */
export async function startAuthorityFront(options: AuthorityFrontOptions): Promise<AuthorityFront> {
  const { socketPath, log } = options;
  const limits = options.limits ?? frontLimits;
  const connections = new Set<GuardedConnection>();
  const onDrained: (() => void)[] = [];
  let warnings = 0;
  let suppressed = 0;
  const warn = (message: string, fields: Record<string, unknown>) => {
    warnings += 1;
    if (warnings <= warningsPerTick) log.warn(message, fields);
    else suppressed += 1;
  };

  const onSocket = (socket: Socket) => {
    if (!isAccepting) {
      socket.destroy();
      return;
    }
    if (connections.size >= limits.maxConnections) {
      warn("Refused a connection on the provider socket: too many open connections", {
        maxConnections: limits.maxConnections,
      });
      socket.destroy();
      return;
    }
    const guarded = guardConnection(socket, {
      log,
      limits,
      warn,
      injectConnection: options.injectConnection,
    });
    connections.add(guarded);
    socket.once("close", () => {
      connections.delete(guarded);
      if (connections.size === 0) for (const resolve of onDrained.splice(0)) resolve();
    });
  };

  let isAccepting = true;
  let listener = await listenOn(socketPath, onSocket);
  let identity = readIdentity(socketPath);
  let isRecreating = false;
  let hasWarnedForeign = false;
  listener.on("error", (error) => log.error("Provider socket failed", { error }));

  // A removed socket file leaves the listener unreachable; a fresh one brings the driver back.
  const ensureSocketFile = () => {
    const current = readIdentity(socketPath);
    if (current !== undefined) {
      if (current !== identity && !hasWarnedForeign) {
        hasWarnedForeign = true;
        log.warn("Another process replaced the provider socket; leaving it alone", {
          socket: socketPath,
        });
      }
      return;
    }
    isRecreating = true;
    // Unreachable now (its close() unlinks only its own temporary path, unlinked long ago).
    listener.close();
    listenOn(socketPath, onSocket).then(
      (created) => {
        isRecreating = false;
        if (!isAccepting) {
          created.close();
          return;
        }
        listener = created;
        identity = readIdentity(socketPath);
        hasWarnedForeign = false;
        log.warn("The provider socket file was removed; created it again", { socket: socketPath });
      },
      (error: unknown) => {
        isRecreating = false;
        log.error("Cannot create the removed provider socket again", { error });
      },
    );
  };

  const tick = setInterval(() => {
    const now = Date.now();
    warnings = 0;
    for (const connection of connections) connection.check(now);
    if (suppressed > 0) {
      log.warn("More connections were closed or refused on the provider socket", { suppressed });
      suppressed = 0;
    }
    if (isAccepting && !isRecreating) ensureSocketFile();
  }, tickMs);
  tick.unref();

  return {
    stopAccepting() {
      isAccepting = false;
      // New connections fail from here (ENOENT, as with a provider that is gone); another
      // process's socket at the path is left alone. The listener was bound to its temporary path,
      // which its close() unlinks (pinned in authority-front.test.ts). Not waiting for the close
      // callback: it fires only once every connection has ended.
      if (readIdentity(socketPath) === identity) unlinkSocket(socketPath);
      listener.close();
    },
    drained: () =>
      connections.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => onDrained.push(resolve)),
    destroyConnections() {
      for (const connection of connections) connection.destroy();
    },
    removeSocket() {
      clearInterval(tick);
      if (readIdentity(socketPath) === identity) unlinkSocket(socketPath);
    },
  };
}

/** Longest unix socket path Linux takes (`sun_path` is 108 bytes with its terminating NUL). */
const maxSocketPathBytes = 107;

/** Listens made so far: each binds a temporary path of its own (see {@link listenOn}). */
let listens = 0;

/**
 * Creates the socket with mode 0600 and listens on it. The socket is bound and listening at a
 * temporary path beside `socketPath` first and then linked into place (a link, unlike a rename,
 * never replaces a file another process put there meanwhile), so that the path never names a
 * socket that is not listening yet (a driver dialling in that moment got ECONNREFUSED) nor one
 * with another mode. A path too long for a suffix is bound in place.
 *
 * Bun's close() unlinks the path the listener was bound to, so the temporary path is unique per
 * listen: closing an old listener never removes a newer socket.
 */
async function listenOn(
  socketPath: string,
  onSocket: (socket: Socket) => void,
): Promise<NetServer> {
  const temporary = `${socketPath}.${process.pid}.${++listens}`;
  const bindPath = Buffer.byteLength(temporary) <= maxSocketPathBytes ? temporary : socketPath;
  const server = createServer({ allowHalfOpen: false, pauseOnConnect: true }, onSocket);
  // umask narrows the window in which the socket exists with a wider mode; chmod makes it exact.
  const previousUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(new Error(`cannot listen on "${socketPath}": ${error.message}`)),
      );
      server.listen(bindPath, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  try {
    chmodSync(bindPath, 0o600);
    if (bindPath !== socketPath) {
      linkSync(bindPath, socketPath);
      unlinkSync(bindPath);
    }
  } catch (error) {
    server.close();
    throw new Error(`cannot listen on "${socketPath}": ${(error as Error).message}`);
  }
  return server;
}

function unlinkSocket(socketPath: string): void {
  try {
    unlinkSync(socketPath);
  } catch {
    // Already gone: nothing to clean up.
  }
}

/** Device and inode of the file at `path` (which socket it is), or undefined when there is none. */
function readIdentity(path: string): string | undefined {
  try {
    const stats = lstatSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * The HTTP/2 error code of the error an HTTP/2 session was destroyed with: node:http2's
 * ERR_HTTP2_SESSION_ERROR says "Session closed with error code N", in Bun as in Node.
 */
export function readSessionErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== "ERR_HTTP2_SESSION_ERROR")
    return undefined;
  const match = /error code (\d+)$/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/** Replaces an unservable `:authority` by `localhost`, leaving every other field as it was. */
export function toServableHeaders(fields: HeaderField[]): HeaderField[] {
  return fields.map((field) =>
    field.name === ":authority" && !isServableAuthority(field.value)
      ? { ...field, value: fallbackAuthority }
      : field,
  );
}

interface GuardOptions {
  log: Logger;
  limits: FrontLimits;
  warn(message: string, fields: Record<string, unknown>): void;
  injectConnection(connection: Duplex): void;
}

/**
 * Wraps a client socket in the Duplex the HTTP/2 server reads from: its readable side is the
 * (rewritten) client stream, its writable side goes to the socket. A full readable buffer pauses
 * the socket; what the server writes and the client has not taken yet is counted and capped.
 */
function guardConnection(socket: Socket, options: GuardOptions): GuardedConnection {
  const { log, limits } = options;
  let now = Date.now();
  const guard = createConnectionGuard(limits, now);
  let breach: GuardVerdict | undefined;
  const clientFrames = createFrameScanner(
    (header) => {
      breach ??= guard.onClientFrame(header);
    },
    { prefixLength: clientPreface.length },
  );
  let hasSentGoAway = false;
  const serverFrames = createFrameScanner((header) => {
    if (header.type === FrameType.GoAway) hasSentGoAway = true;
    guard.onServerFrame(header, now);
  });
  let isClosing = false;
  let hasLoggedRewrite = false;
  const rewriter = createRequestRewriter({
    maxHeaderBlockSize: limits.maxHeaderBlockSize,
    maxHeaderBlockFrames: limits.maxHeaderBlockFrames,
    decoder: { maxHeaderListSize: limits.maxHeaderListSize },
    // Driver v1.6 and later send a servable authority: their connections are piped untouched.
    passThroughWhen: (fields) =>
      fields.every((field) => field.name !== ":authority" || isServableAuthority(field.value)),
    rewrite(fields) {
      const servable = toServableHeaders(fields);
      if (!hasLoggedRewrite && servable.some((field, i) => field !== fields[i])) {
        hasLoggedRewrite = true;
        const original = fields.find((field) => field.name === ":authority")?.value;
        log.debug("Serving a driver that sends its socket path as :authority (driver < v1.6)", {
          authority: original,
        });
      }
      return servable;
    },
  });

  const bufferedOutput = () => socket.writableLength;
  let isEnding = false;
  let isClientEnded = false;
  const closeSocket = () => {
    if (socket.destroyed || isEnding) return;
    isEnding = true;
    // Reading on would only feed a connection that is going away.
    socket.pause();
    socket.end();
    setTimeout(() => socket.destroy(), closeGraceMs).unref();
  };
  /** Sends GOAWAY (when the server is between frames) and closes; the server's streams end too. */
  const close = (verdict: GuardVerdict, message: string) => {
    if (isClosing) return;
    isClosing = true;
    options.warn(message, { reason: verdict.reason, code: verdict.code });
    if (!serverFrames.isMidFrame() && !socket.destroyed)
      socket.write(toGoAwayFrame(guard.lastClientStreamId(), verdict.code));
    closeSocket();
    connection.destroy();
  };

  // Writes complete at once, so that nothing waits in the Duplex (whose buffer a destroy drops,
  // GOAWAY and RST_STREAM frames included): the socket holds what the client has not read yet,
  // and bufferedOutput() caps it. Holding callbacks back would not slow Bun's HTTP/2 server
  // down anyway: it keeps writing whatever the client's windows allow (measured).
  socket.on("drain", () => guard.onOutputFlushed(Date.now()));
  const connection = new Duplex({
    allowHalfOpen: true,
    read: () => void socket.resume(),
    write(chunk: Uint8Array, _encoding, callback) {
      // After a GOAWAY nothing more may follow; the client gets no further frames.
      if (isClosing) return callback();
      now = Date.now();
      serverFrames.scan(chunk);
      socket.write(chunk);
      if (socket.writableLength > limits.maxBufferedOutputBytes) {
        isClosing = true;
        options.warn("Closed a connection on the provider socket", {
          reason: `more than ${limits.maxBufferedOutputBytes} octets written and not read`,
        });
        socket.destroy();
        connection.destroy();
      } else if (socket.writableLength === 0) {
        guard.onOutputFlushed(now);
      }
      callback();
    },
    final(callback) {
      callback();
      if (hasSentGoAway || isClientEnded) return closeSocket();
      // An end without GOAWAY: Bun giving up on the session, which ends the connection and
      // destroys it with the error 10-20 ms later (measured). Wait for that, so that destroy()
      // can still send the GOAWAY.
      setTimeout(closeSocket, sessionErrorWaitMs).unref();
    },
    destroy(error, callback) {
      // Bun ends a session it gives up on (too many refused streams, say) without writing the
      // RST_STREAM and GOAWAY frames it queued for an injected connection (measured, pinned in
      // authority-front.test.ts): send the GOAWAY in its place, with the session's error code.
      const code = readSessionErrorCode(error);
      const canWrite = !isEnding && !socket.destroyed && !serverFrames.isMidFrame();
      if (code !== undefined && !isClosing && !hasSentGoAway && canWrite) {
        isClosing = true;
        socket.write(toGoAwayFrame(guard.lastClientStreamId(), code));
      }
      closeSocket();
      callback(error);
    },
  });

  socket.on("data", (chunk: Buffer) => {
    if (isClosing) return;
    now = Date.now();
    guard.onClientBytes(now);
    clientFrames.scan(chunk);
    if (breach) return close(breach, "Closed a connection on the provider socket");
    let output: Uint8Array[];
    try {
      output = rewriter.write(chunk);
    } catch (error) {
      const verdict =
        error instanceof Http2ConnectionError
          ? { code: http2ErrorCodes[error.code], reason: error.message }
          : { code: internalError, reason: String(error) };
      return close(verdict, "Closed a connection that broke HTTP/2");
    }
    // One chunk in, one chunk out: re-encoding splits frames into pieces, and a flood of small
    // frames pushed piece by piece cost ~14 times its size in buffer objects (measured).
    const piece = output.length === 1 ? output[0] : Buffer.concat(output);
    if (piece !== undefined && piece.length > 0 && !connection.push(piece)) socket.pause();
  });
  socket.on("end", () => {
    isClientEnded = true;
    connection.push(null);
  });
  socket.on("error", (error) => log.debug("Driver connection failed", { error }));
  socket.on("close", () => connection.destroy());
  options.injectConnection(connection);

  return {
    check(at) {
      if (isClosing) return;
      now = at;
      if (bufferedOutput() === 0) guard.onOutputFlushed(at);
      const verdict = guard.check(at, {
        isClientMidFrame: clientFrames.isMidFrame(),
        bufferedOutput: bufferedOutput(),
      });
      if (verdict) close(verdict, "Closed a stalled connection on the provider socket");
    },
    destroy: () => socket.destroy(),
  };
}
