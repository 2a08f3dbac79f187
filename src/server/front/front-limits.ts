import type { Server } from "@grpc/grpc-js";

/**
 * What one client on the provider socket may make the provider hold or do (SPEC §5.7). Each
 * limit holds for every connection, whether the front re-encodes it (drivers <= v1.5) or pipes
 * it (v1.6 and later); the README's "Socket front limits" section explains the values.
 */
export interface FrontLimits {
  /** Open connections on the socket; more are closed at once. */
  maxConnections: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS; the HTTP/2 server refuses streams beyond it. */
  maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: decoded header list (name + value + 32 per field). */
  maxHeaderListSize: number;
  /** Octets of one header block as received (HEADERS plus its CONTINUATION frames). */
  maxHeaderBlockSize: number;
  /** Frames of one header block (HEADERS plus CONTINUATION). */
  maxHeaderBlockFrames: number;
  /** PING and SETTINGS frames (which the server must answer) received while output is unsent. */
  maxUnansweredControlFrames: number;
  /** Octets written toward a client and not yet taken by its socket. */
  maxBufferedOutputBytes: number;
  /** Answers the HTTP/2 server may hold for one connection waiting for its flow-control window, in MiB. */
  maxSessionMemoryMiB: number;
  /** From accept to the client preface plus its first SETTINGS frame. */
  handshakeTimeoutMs: number;
  /** How long a client may leave a frame, header block or request half-sent, or leave answers unread. */
  stallTimeoutMs: number;
  /** A connection without streams is closed (GOAWAY NO_ERROR) after this long. */
  idleTimeoutMs: number;
}

/** The limits the provider runs with; the README lists each with its reason. */
export const frontLimits: Readonly<FrontLimits> = Object.freeze({
  // The driver keeps one connection per provider and /healthz opens one per probe; an idle
  // connection costs ~26 KiB, but every per-connection bound below is multiplied by this.
  maxConnections: 32,
  // The driver opens one stream per Mount and a node starts up to ~110 pods at once. grpc-go and
  // grpc-js queue calls beyond the limit rather than fail them (measured), so this only caps the
  // ~5 KiB (up to ~25 KiB with full headers) each open stream costs.
  maxConcurrentStreams: 256,
  // A driver's Mount headers are ~0.5 KiB; 16 KiB is grpc core's default hard metadata limit.
  maxHeaderListSize: 16384,
  // HPACK literals are never larger than what they decode to, plus a few octets per field.
  maxHeaderBlockSize: 32768,
  // A 32 KiB block needs at most 3 frames of the default 16 KiB size; empty CONTINUATION frames
  // cost the server work and memory without carrying anything.
  maxHeaderBlockFrames: 16,
  // A conforming client reads the answers to its PINGs; nghttp2 closes at 1,000 queued ACKs too.
  maxUnansweredControlFrames: 1000,
  // grpc-go lets the server send at most 16 MiB ahead (its largest BDP window); answers are
  // below 4 MiB.
  maxBufferedOutputBytes: 16 * 1024 * 1024,
  // A quarter of the DaemonSet's 256 MiB limit; 16 answers of the 4 MiB maximum.
  maxSessionMemoryMiB: 64,
  handshakeTimeoutMs: 10_000,
  // A driver sends each request whole and reads each answer as it comes; 10 s without progress
  // is a broken or hostile client, not a slow one.
  stallTimeoutMs: 10_000,
  // The driver re-dials transparently after a GOAWAY; rotation polls every 2 minutes.
  idleTimeoutMs: 5 * 60_000,
});

/** The grpc-js `Server` options that carry {@link FrontLimits} to the HTTP/2 server. */
export function toGrpcServerOptions(limits: FrontLimits): Record<string, number> {
  return {
    "grpc.max_concurrent_streams": limits.maxConcurrentStreams,
    "grpc-node.max_session_memory": limits.maxSessionMemoryMiB,
    "grpc.max_connection_idle_ms": limits.idleTimeoutMs,
  };
}

/**
 * Adds SETTINGS_MAX_HEADER_LIST_SIZE to the settings of the HTTP/2 servers `server` creates from
 * now on. grpc-js 1.14 has no option for it (it passes only `grpc.max_concurrent_streams` on as
 * a setting), but builds every HTTP/2 server from its `commonServerOptions`; Bun's HTTP/2 server
 * then both advertises the value and resets a stream whose header list exceeds it
 * (ENHANCE_YOUR_CALM). Call before `createConnectionInjector`.
 * @throws Error when grpc-js no longer has `commonServerOptions` (a grpc-js upgrade changed it)
 */
export function setMaxHeaderListSize(server: Server, maxHeaderListSize: number): void {
  const internals = server as unknown as {
    commonServerOptions?: { settings?: Record<string, number> };
  };
  const options = internals.commonServerOptions;
  if (typeof options !== "object" || options === null)
    throw new Error("cannot set the HTTP/2 header list limit: grpc-js has no commonServerOptions");
  options.settings = { ...options.settings, maxHeaderListSize };
}
