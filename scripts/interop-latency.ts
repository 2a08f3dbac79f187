/**
 * Measures what the authority front (issue 9) costs: sequential Version calls of a grpc-js client
 * against a bare grpc-js server (bindAsync on the socket, as before the front) and against
 * `startGrpcServer` (front + injected connections), with `:authority` `localhost` (driver v1.6)
 * and with the socket path (drivers before v1.6, front only: the bare server resets those).
 *
 *   bun scripts/interop-latency.ts [calls=1000] [rounds=5]
 *
 * Server and client run in separate processes, as the driver and the provider do.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceError,
} from "@grpc/grpc-js";
import { VersionRequestSchema, type VersionResponse } from "../gen/v1alpha1/service_pb.ts";
import { createLogger } from "../src/log.ts";
import { csiServiceDefinition, toVersionResponse } from "../src/server/csi-service.ts";
import { startGrpcServer } from "../src/server/grpc-server.ts";

type Mode = "bare" | "front";

async function serve(mode: Mode, socketPath: string): Promise<void> {
  if (mode === "front") {
    await startGrpcServer({
      socketPath,
      driverWritesSecrets: true,
      mountTimeoutMs: 1000,
      log: createLogger({ level: "error" }),
      handleMount: () => Promise.reject(new Error("not used")),
    });
  } else {
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
  }
  process.stdout.write("ready\n");
}

async function measure(socketPath: string, authority: string, calls: number) {
  const Client = makeGenericClientConstructor(csiServiceDefinition, "CSIDriverProvider");
  const client = new Client(`unix:${socketPath}`, credentials.createInsecure(), {
    "grpc.default_authority": authority,
  }) as unknown as Record<string, (...args: unknown[]) => void> & { close(): void };
  const version = () =>
    new Promise<void>((resolve, reject) =>
      client["Version"]?.(create(VersionRequestSchema, {}), (error: ServiceError | null) =>
        error ? reject(error) : resolve(),
      ),
    );
  for (let i = 0; i < 200; i++) await version();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await version();
    times.push(performance.now() - started);
  }
  const batchStarted = performance.now();
  for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 100 }, version));
  const batchMs = performance.now() - batchStarted;
  client.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.floor(q * (times.length - 1))] ?? 0;
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  return { p50: at(0.5), p99: at(0.99), mean, concurrent1000Ms: batchMs };
}

async function main(): Promise<void> {
  const [first, second] = process.argv.slice(2);
  if (first === "--serve") return serve(second as Mode, process.argv[4] ?? "");
  const calls = Number(first ?? 1000);
  const rounds = Number(second ?? 5);
  const dir = mkdtempSync(join(tmpdir(), "interop-latency-"));
  const servers = [];
  for (const mode of ["bare", "front"] as const) {
    const socketPath = join(dir, `${mode}.sock`);
    const child = Bun.spawn([process.execPath, import.meta.path, "--serve", mode, socketPath], {
      stdout: "pipe",
      stderr: "inherit",
    });
    const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    servers.push({ mode, socketPath, child });
  }
  const targets = [
    { name: "bare grpc-js, authority localhost", socket: 0, authority: () => "localhost" },
    { name: "front, authority localhost", socket: 1, authority: () => "localhost" },
    { name: "front, authority = socket path", socket: 1, authority: (path: string) => path },
  ];
  const results = new Map<string, Awaited<ReturnType<typeof measure>>[]>();
  // Rounds interleave the targets so that drift in machine load hits all of them alike.
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const socketPath = servers[target.socket]?.socketPath ?? "";
      const result = await measure(socketPath, target.authority(socketPath), calls);
      results.set(target.name, [...(results.get(target.name) ?? []), result]);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? 0;
  const rows = [...results].map(([name, runs]) => ({
    target: name,
    "p50 ms": median(runs.map((r) => r.p50)).toFixed(3),
    "p99 ms": median(runs.map((r) => r.p99)).toFixed(3),
    "mean ms": median(runs.map((r) => r.mean)).toFixed(3),
    "1000 calls, 100 at a time, ms": median(runs.map((r) => r.concurrent1000Ms)).toFixed(1),
  }));
  process.stdout.write(
    `${calls} sequential Version calls per round, median of ${rounds} rounds\n${JSON.stringify(rows, null, 2)}\n`,
  );
  for (const { child } of servers) child.kill();
  rmSync(dir, { recursive: true, force: true });
}

await main();
