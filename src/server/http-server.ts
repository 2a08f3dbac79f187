import type { Server } from "bun";
import type { PrometheusMetrics } from "../metrics.ts";
import { parseListenAddress, toHostPort } from "../parse-listen-address.ts";
import type { HealthResult } from "./grpc-health-check.ts";

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** `--metrics-address`: `:8989` (every interface), `host:port` or `[v6]:port`; port 0 = any free port. */
  address: string;
  metrics: Pick<PrometheusMetrics, "contentType" | "scrape">;
  /** Answers `/healthz`: whether the gRPC server answers `Version` on its socket. Never rejects. */
  checkHealth(): Promise<HealthResult>;
  /** Answers `/readyz`: whether the socket listens and the Kubernetes client is configured. */
  isReady(): boolean;
}

/** A running HTTP listener. */
export interface HttpServer {
  /** The bound address, e.g. `127.0.0.1:40123` or `[::]:8989`. */
  address: string;
  /** A URL that reaches the listener from this host, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text), `/healthz` and `/readyz` (200 `ok` or 503 with the
 * reason) on Bun's HTTP server; every other path is 404, every other method 405. Without a
 * host the listener takes every interface: IPv6 and IPv4 when the node has IPv6, else IPv4.
 * @throws Error with one line naming `--metrics-address` when the address is malformed, the port
 *   is taken or the host is not an address of this machine
 */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  const parsed = parseListenAddress(options.address);
  if (parsed === undefined) {
    throw new Error(
      `invalid --metrics-address "${options.address}": expected host:port, :port or [ipv6]:port`,
    );
  }
  const fetch = (request: Request) => respond(request, options);
  const listen = (hostname: string): Server<undefined> =>
    Bun.serve({ hostname, port: parsed.port, fetch, reusePort: false });
  let server: Server<undefined>;
  try {
    if (parsed.host !== undefined) server = listen(parsed.host);
    else {
      try {
        server = listen("::");
      } catch {
        // A node without IPv6: every IPv4 interface is what `:port` means there.
        server = listen("0.0.0.0");
      }
    }
  } catch (error) {
    const detail =
      (error as { code?: unknown }).code === "EADDRINUSE"
        ? "the port is in use, or the host is not an address of this machine"
        : (error as Error).message;
    throw new Error(`cannot listen on "${options.address}" (--metrics-address): ${detail}`);
  }
  const host = server.hostname ?? parsed.host ?? "0.0.0.0";
  const port = server.port ?? parsed.port;
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return {
    address: toHostPort(host, port),
    url: `http://${toHostPort(reachable, port)}`,
    stop: () => server.stop(true),
  };
}

async function respond(request: Request, options: HttpServerOptions): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname !== "/metrics" && pathname !== "/healthz" && pathname !== "/readyz") {
    return text(404, "not found");
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  if (pathname === "/metrics") {
    try {
      const body = await options.metrics.scrape();
      return new Response(body, { headers: { "content-type": options.metrics.contentType } });
    } catch {
      return text(500, "cannot render metrics");
    }
  }
  if (pathname === "/readyz") {
    return options.isReady()
      ? text(200, "ok")
      : text(503, "not ready: the gRPC socket is not listening or Kubernetes is not configured");
  }
  const health = await options.checkHealth();
  return health.isHealthy ? text(200, "ok") : text(503, `unhealthy: ${health.reason}`);
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}
