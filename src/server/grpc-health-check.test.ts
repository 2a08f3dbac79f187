import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server, ServerCredentials, type sendUnaryData } from "@grpc/grpc-js";
import { csiServiceDefinition, toVersionResponse } from "./csi-service.ts";
import { createGrpcHealthCheck } from "./grpc-health-check.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A grpc-js server on a temp socket whose Version answers, or hangs when `hang` is set. */
async function startVersionServer(behaviour: { hang?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "health-check-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const socketPath = join(dir, "aws.sock");
  const calls: string[] = [];
  const server = new Server();
  server.addService(csiServiceDefinition, {
    Version: (_call: unknown, callback: sendUnaryData<unknown>) => {
      calls.push("Version");
      if (!behaviour.hang) callback(null, toVersionResponse());
    },
    Mount: () => {},
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  cleanups.push(() => server.forceShutdown());
  return { socketPath, server, calls };
}

describe("createGrpcHealthCheck()", () => {
  test("is healthy while Version answers, one call per check", async () => {
    const { socketPath, calls } = await startVersionServer();
    const health = createGrpcHealthCheck(socketPath);
    cleanups.push(() => health.close());
    expect(await health.check()).toEqual({ isHealthy: true });
    expect(await health.check()).toEqual({ isHealthy: true });
    expect(calls).toHaveLength(2);
  });

  test("dials afresh: a removed socket file fails the check while the server still runs", async () => {
    const { socketPath, calls } = await startVersionServer();
    const health = createGrpcHealthCheck(socketPath);
    cleanups.push(() => health.close());
    expect(await health.check()).toEqual({ isHealthy: true });
    rmSync(socketPath);
    const result = await health.check();
    expect(result.isHealthy).toBe(false);
    expect(result.isHealthy === false && result.reason).toContain(`Version over "${socketPath}"`);
    expect(calls).toHaveLength(1);
  });

  test("concurrent checks share one Version call", async () => {
    const { socketPath, calls } = await startVersionServer();
    const health = createGrpcHealthCheck(socketPath);
    cleanups.push(() => health.close());
    await health.check();
    const results = await Promise.all([health.check(), health.check(), health.check()]);
    expect(results.every((r) => r.isHealthy)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  test("turns unhealthy at once when the server stops", async () => {
    const { socketPath, server } = await startVersionServer();
    const health = createGrpcHealthCheck(socketPath);
    cleanups.push(() => health.close());
    expect((await health.check()).isHealthy).toBe(true);
    server.forceShutdown();
    rmSync(socketPath, { force: true });
    const started = performance.now();
    const result = await health.check();
    expect(result.isHealthy).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test("turns unhealthy after the timeout when Version hangs", async () => {
    const { socketPath } = await startVersionServer({ hang: true });
    const health = createGrpcHealthCheck(socketPath, { timeoutMs: 200 });
    cleanups.push(() => health.close());
    const started = performance.now();
    const result = await health.check();
    expect(result.isHealthy).toBe(false);
    expect(result.isHealthy === false && result.reason).toContain("Deadline");
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  test("is unhealthy once closed", async () => {
    const { socketPath } = await startVersionServer();
    const health = createGrpcHealthCheck(socketPath);
    health.close();
    expect(await health.check()).toEqual({ isHealthy: false, reason: "shutting down" });
  });
});
