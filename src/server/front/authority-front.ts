import { chmodSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { Duplex } from "node:stream";
import type { Logger } from "../../log.ts";
import type { HeaderField } from "./hpack/hpack-static-table.ts";
import { createRequestRewriter, Http2ConnectionError } from "./request-rewriter.ts";

/**
 * `:authority` values the HTTP/2 server under grpc-js accepts. Measured on Bun 1.4.5: it resets a
 * stream whose authority holds anything outside RFC 3986 unreserved, sub-delims, `:`, `[`, `]` and
 * `%` (so `/`, `@`, `?`, `#`, space, non-ASCII...). Drivers before v1.6 send the socket path.
 */
const servableAuthority = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]%]*$/;

/** What a rejected authority becomes: the value driver v1.6 sends itself. */
const fallbackAuthority = "localhost";

/** Whether the HTTP/2 server under grpc-js accepts `authority` as `:authority`. */
export function isServableAuthority(authority: string): boolean {
  return servableAuthority.test(authority);
}

/** Options of {@link startAuthorityFront}. */
export interface AuthorityFrontOptions {
  /** Unix socket to create (mode 0600); the caller removes a stale one first. */
  socketPath: string;
  /** Hands one accepted, rewritten connection to the gRPC server. */
  injectConnection(connection: Duplex): void;
  log: Logger;
}

/** The listening front. */
export interface AuthorityFront {
  /** Stops accepting connections; open ones go on until their peers or the server end them. */
  stopAccepting(): void;
  /** Resolves once every accepted connection has closed. */
  drained(): Promise<void>;
  /** Ends every open connection now. */
  destroyConnections(): void;
}

/**
 * Listens on the provider socket and hands each connection to the gRPC server in-process, with
 * every client header block re-encoded and an unservable `:authority` replaced by `localhost`;
 * server bytes go back untouched. There is no second socket: nothing else can reach the gRPC
 * server, and nothing is left to clean up.
 * @throws Error with one clear line when the socket cannot be created
 */
export async function startAuthorityFront(options: AuthorityFrontOptions): Promise<AuthorityFront> {
  const { socketPath, log } = options;
  const connections = new Set<Socket>();
  const onDrained: (() => void)[] = [];
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    connections.add(socket);
    socket.once("close", () => {
      connections.delete(socket);
      if (connections.size === 0) for (const resolve of onDrained.splice(0)) resolve();
    });
    options.injectConnection(toRewrittenConnection(socket, log));
  });
  // umask narrows the window in which the socket exists with a wider mode; chmod makes it exact.
  const previousUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(new Error(`cannot listen on "${socketPath}": ${error.message}`)),
      );
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(socketPath, 0o600);
  server.on("error", (error) => log.error("Provider socket failed", { error }));
  return {
    // Not waiting for the close callback: it fires only once every connection has ended.
    stopAccepting: () => void server.close(),
    drained: () =>
      connections.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => onDrained.push(resolve)),
    destroyConnections() {
      for (const socket of connections) socket.destroy();
    },
  };
}

/** Replaces an unservable `:authority` by `localhost`, leaving every other field as it was. */
export function toServableHeaders(fields: HeaderField[]): HeaderField[] {
  return fields.map((field) =>
    field.name === ":authority" && !isServableAuthority(field.value)
      ? { ...field, value: fallbackAuthority }
      : field,
  );
}

/**
 * Wraps a client socket in the Duplex the HTTP/2 server reads from: its readable side is the
 * rewritten client stream, its writable side goes straight to the socket. Backpressure holds in
 * both directions (a full readable buffer pauses the socket; a full socket delays write callbacks).
 */
function toRewrittenConnection(socket: Socket, log: Logger): Duplex {
  let hasLoggedRewrite = false;
  const rewriter = createRequestRewriter({
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
  let pendingWrite: (() => void) | undefined;
  const connection = new Duplex({
    allowHalfOpen: true,
    read: () => void socket.resume(),
    write(chunk: Uint8Array, _encoding, callback) {
      if (socket.write(chunk)) return callback();
      pendingWrite = () => {
        pendingWrite = undefined;
        callback();
      };
      socket.once("drain", pendingWrite);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    let output: Uint8Array[];
    try {
      output = rewriter.write(chunk);
    } catch (error) {
      const fields = error instanceof Http2ConnectionError ? { code: error.code } : {};
      log.warn("Closed a connection that broke HTTP/2", { ...fields, error });
      socket.destroy();
      return;
    }
    let hasRoom = true;
    for (const piece of output) hasRoom = connection.push(piece) && hasRoom;
    if (!hasRoom) socket.pause();
  });
  socket.on("end", () => connection.push(null));
  socket.on("error", (error) => log.debug("Driver connection failed", { error }));
  socket.on("close", () => {
    pendingWrite?.();
    connection.destroy();
  });
  return connection;
}
