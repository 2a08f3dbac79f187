import { describe, expect, test } from "bun:test";
import type { HealthResult } from "./grpc-health-check.ts";
import { type HttpServerOptions, startHttpServer } from "./http-server.ts";

function options(overrides: Partial<HttpServerOptions> = {}): HttpServerOptions {
  return {
    address: "127.0.0.1:0",
    metrics: {
      contentType: "text/plain; version=0.0.4; charset=utf-8",
      scrape: async () => "# TYPE up gauge\nup 1\n",
    },
    checkHealth: async (): Promise<HealthResult> => ({ isHealthy: true }),
    isReady: () => true,
    ...overrides,
  };
}

describe("startHttpServer()", () => {
  test("serves /metrics with the exposition content type on the port the system picked", async () => {
    const server = startHttpServer(options());
    try {
      expect(server.address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      expect(server.url).toBe(`http://${server.address}`);
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(await response.text()).toBe("# TYPE up gauge\nup 1\n");
    } finally {
      await server.stop();
    }
  });

  test("/healthz and /readyz follow their checks; unknown paths are 404, other methods 405", async () => {
    let health: HealthResult = { isHealthy: true };
    let ready = false;
    const server = startHttpServer(
      options({ checkHealth: async () => health, isReady: () => ready }),
    );
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      health = { isHealthy: false, reason: "socket gone" };
      const unhealthy = await fetch(`${server.url}/healthz`);
      expect([unhealthy.status, await unhealthy.text()]).toEqual([503, "unhealthy: socket gone\n"]);
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
      expect((await fetch(`${server.url}/metrics`, { method: "DELETE" })).status).toBe(405);
    } finally {
      await server.stop();
    }
  });

  test("a failing scrape is a 500, not a crash", async () => {
    const server = startHttpServer(
      options({
        metrics: { contentType: "text/plain", scrape: () => Promise.reject(new Error("boom")) },
      }),
    );
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(500);
    } finally {
      await server.stop();
    }
  });

  test(":port listens on every interface, reachable over loopback", async () => {
    const server = startHttpServer(options({ address: ":0" }));
    try {
      const port = Number(server.address.split(":").at(-1));
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test("a port in use is one clear error naming the flag", async () => {
    const first = startHttpServer(options());
    try {
      expect(() => startHttpServer(options({ address: first.address }))).toThrow(
        `cannot listen on "${first.address}" (--metrics-address): the port is in use, or the host is not an address of this machine`,
      );
    } finally {
      await first.stop();
    }
  });

  test("a malformed address is rejected before listening", () => {
    expect(() => startHttpServer(options({ address: "8989" }))).toThrow(
      'invalid --metrics-address "8989"',
    );
  });

  test("stop() closes the listener", async () => {
    const server = startHttpServer(options());
    await server.stop();
    expect(
      await fetch(`${server.url}/readyz`).then(
        () => "answered",
        () => "refused",
      ),
    ).toBe("refused");
  });
});
