/**
 * Interop check of issue 9: grpc-go (not grpc-js) against the compiled provider, dialing like
 * Secrets Store CSI Driver versions up to v1.5 (socket path as :authority) and like v1.6
 * (authority localhost). Named `.check.ts` so that plain `bun test` leaves it out: it needs the
 * grpc-go client that `scripts/interop.sh` (`make interop`) builds from Debian packages.
 *
 *   INTEROP_CLIENT=.tmp/interop/grpc-go-client bun test ./test/interop/interop.check.ts
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { buildMountRequest } from "../helpers/driver-client.ts";
import { startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const region = "us-east-1";
const clientPath =
  process.env["INTEROP_CLIENT"] ?? resolve(import.meta.dir, "../../.tmp/interop/grpc-go-client");
const packageVersion: string = (
  await Bun.file(resolve(import.meta.dir, "../../package.json")).json()
).version;

/** Secrets Manager's largest SecretString is 65,536 octets; 50 of them make a ~3 MiB answer. */
const bigCount = 50;
const bigSize = 64_000;
const legacyLogLine = "sends its socket path as :authority";

interface GoFile {
  path: string;
  mode: number;
  size: number;
  sha256: string;
}
interface GoMount {
  code: string;
  message?: string;
  files: GoFile[] | null;
  objectVersions: Record<string, string> | null;
}
interface GoStep {
  name: string;
  code?: string;
  version?: { version?: string; runtime_name?: string; runtime_version?: string };
  mounts?: GoMount[];
  durationMs: number;
}
type GoPlanStep =
  | { name: string; kind: "version" }
  | { name: string; kind: "mount" | "concurrent-mounts"; request: object; count?: number };

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Runs the grpc-go client with one plan (one connection) and returns its step results by name. */
async function runGoClient(
  socket: string,
  dial: "legacy" | "v1.6",
  steps: GoPlanStep[],
): Promise<Map<string, GoStep>> {
  const child = Bun.spawn([clientPath], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  child.stdin.write(JSON.stringify({ socket, dial, steps }));
  await child.stdin.end();
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (exitCode !== 0) throw new Error(`grpc-go client exited ${exitCode}: ${stderr}`);
  const output = JSON.parse(stdout) as { results: GoStep[] };
  return new Map(output.results.map((step) => [step.name, step]));
}

/** The MountRequest fields of a driver-built request, as the Go client takes them. */
function toGoRequest(workload: Workload, objects: string) {
  const request = buildMountRequest({
    parameters: { region, objects },
    pod: workload.pod,
    tokens: workload.tokens,
  });
  return {
    attributes: request.attributes,
    secrets: request.secrets,
    targetPath: request.targetPath,
    permission: request.permission,
  };
}

let bed: TestBed;
let reader: Workload;
let outsider: Workload;

beforeAll(async () => {
  if (!existsSync(clientPath))
    throw new Error(`no grpc-go client at "${clientPath}": run scripts/interop.sh (make interop)`);
  bed = await startTestBed({ mode: "binary" });
  reader = bed.workload({ serviceAccount: "interop-reader" });
  outsider = bed.workload({ serviceAccount: "interop-outsider" });
  bed.aws.grant(reader.roleArn, { service: "secretsmanager", resource: "interop/*" });
  bed.aws.putSecret(region, { name: "interop/db", secretString: "db-password" });
  bed.aws.putSecret(region, { name: "interop/api", secretString: "api-key" });
  for (let i = 0; i < bigCount; i++) {
    const name = `interop/big-${String(i).padStart(2, "0")}`;
    bed.aws.putSecret(region, { name, secretString: String(i % 10).repeat(bigSize) });
  }
});

afterAll(() => bed?.stop());

describe.each(["legacy", "v1.6"] as const)("a grpc-go client dialing like driver %s", (dial) => {
  const small =
    "- {objectName: interop/db, objectType: secretsmanager}\n- {objectName: interop/api, objectType: secretsmanager}";
  const big = Array.from(
    { length: bigCount },
    (_, i) =>
      `- {objectName: interop/big-${String(i).padStart(2, "0")}, objectType: secretsmanager}`,
  ).join("\n");
  let results: Map<string, GoStep>;
  let logBefore: string;

  beforeAll(async () => {
    logBefore = bed.output();
    results = await runGoClient(bed.socketPath, dial, [
      { name: "version", kind: "version" },
      ...[1, 2, 3].map((n) => ({
        name: `mount-${n}`,
        kind: "mount" as const,
        request: toGoRequest(reader, small),
      })),
      { name: "denied", kind: "mount", request: toGoRequest(outsider, small) },
      {
        name: "concurrent",
        kind: "concurrent-mounts",
        request: toGoRequest(reader, small),
        count: 100,
      },
      { name: "big", kind: "mount", request: toGoRequest(reader, big) },
    ]);
  });

  test("gets the Version answer of SPEC §2", () => {
    const step = results.get("version");
    expect(step?.code).toBe("OK");
    expect(step?.version).toEqual({
      version: "v1alpha1",
      runtime_name: "secrets-store-csi-driver-provider-aws",
      runtime_version: packageVersion,
    });
  });

  test("mounts secrets, again and again on the same connection", () => {
    for (const name of ["mount-1", "mount-2", "mount-3"]) {
      const [mount] = results.get(name)?.mounts ?? [];
      expect(mount?.code).toBe("OK");
      expect(mount?.files).toEqual([
        { path: "interop_db", mode: 0o644, size: 11, sha256: sha256("db-password") },
        { path: "interop_api", mode: 0o644, size: 7, sha256: sha256("api-key") },
      ]);
      expect(Object.keys(mount?.objectVersions ?? {}).sort()).toEqual([
        "interop_api",
        "interop_db",
      ]);
    }
  });

  test("receives a PERMISSION_DENIED status with its message", () => {
    const [mount] = results.get("denied")?.mounts ?? [];
    expect(mount?.code).toBe("PermissionDenied");
    expect(mount?.message).toContain("interop/db");
  });

  test("runs 100 concurrent mounts on one connection", () => {
    const mounts = results.get("concurrent")?.mounts ?? [];
    expect(mounts).toHaveLength(100);
    const reference = results.get("mount-1")?.mounts?.[0]?.files;
    for (const mount of mounts) {
      expect(mount.code).toBe("OK");
      expect(mount.files).toEqual(reference ?? []);
    }
  });

  test("receives a ~3 MiB response", () => {
    const [mount] = results.get("big")?.mounts ?? [];
    expect(mount?.code).toBe("OK");
    const files = mount?.files ?? [];
    expect(files).toHaveLength(bigCount);
    expect(files.reduce((sum, file) => sum + file.size, 0)).toBe(bigCount * bigSize);
    expect(files[7]?.sha256).toBe(sha256("7".repeat(bigSize)));
  });

  test(`is ${dial === "legacy" ? "" : "not "}logged as sending its socket path as :authority`, () => {
    const logged = bed.output().slice(logBefore.length);
    expect(logged.includes(legacyLogLine)).toBe(dial === "legacy");
  });
});
