import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../helpers/driver-client.ts";
import { startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const region = "us-east-1";
let bed: TestBed;
let workload: Workload;
let outside: string;

beforeAll(async () => {
  bed = await startTestBed({ flags: ["--driver-writes-secrets=false", "--cache-ttl=0"] });
  workload = bed.workload({ serviceAccount: "writer" });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "w/*" });
  for (let i = 1; i <= 6; i++)
    bed.aws.putSecret(region, { name: `w/s${i}`, secretString: `value-${i}` });
  outside = mkdtempSync(join(tmpdir(), "aws-provider-outside-"));
});
afterAll(async () => {
  await bed.stop();
  rmSync(outside, { recursive: true, force: true });
});

/** A target directory like kubelet's, inside the test bed's temp dir. */
const newTarget = () => bed.newTarget();

/** Every entry under `dir`: path → type, mode and contents (or link target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      const stats = lstatSync(path);
      const key = relative(dir, path);
      if (stats.isSymbolicLink()) out[key] = `link -> ${readlinkSync(path)}`;
      else if (stats.isDirectory()) {
        out[key] = `dir ${(stats.mode & 0o777).toString(8)}`;
        walk(path);
      } else out[key] = `file ${(stats.mode & 0o777).toString(8)} ${readFileSync(path, "utf8")}`;
    }
  };
  walk(dir);
  return out;
}

const six = (permission = "") =>
  Array.from(
    { length: 6 },
    (_, i) => `- {objectName: w/s${i + 1}, objectType: secretsmanager${permission}}`,
  ).join("\n");

describe("provider-writes mode (--driver-writes-secrets=false)", () => {
  test("writes every file with its exact mode and answers without files", async () => {
    const target = newTarget();
    const response = await bed.mount(workload, {
      targetPath: target,
      parameters: {
        region,
        pathTranslation: "False",
        objects:
          "- {objectName: w/s1, objectType: secretsmanager, filePermission: '0640'}\n- {objectName: w/s2, objectType: secretsmanager, objectAlias: deep/er/two}",
      },
    });
    expect(response.files).toHaveLength(0);
    expect(response.objectVersion.map((v) => v.id)).toEqual(["w/s1", "deep/er/two"]);
    expect(snapshot(target)).toEqual({
      w: "dir 755",
      "w/s1": "file 640 value-1",
      deep: "dir 755",
      "deep/er": "dir 755",
      "deep/er/two": "file 644 value-2",
    });
  });

  test("a failure of the fifth of six objects leaves the target exactly as it was, without temporaries", async () => {
    const target = newTarget();
    await bed.mount(workload, { targetPath: target, parameters: { region, objects: six() } });
    const before = snapshot(target);
    expect(Object.keys(before)).toHaveLength(6);
    bed.aws.putSecret(region, { name: "w/s1", secretString: "value-1-changed" });
    // The fifth object now comes from a secret whose KMS key is denied; the other five succeed and
    // one of them changed: still nothing may change on disk.
    bed.aws.putSecret(region, { name: "w/denied", secretString: "never seen" });
    bed.aws.denyDecrypt(region, "w/denied");
    const objects = six().replace(
      "{objectName: w/s5, objectType: secretsmanager}",
      "{objectName: w/denied, objectType: secretsmanager, objectAlias: w_s5}",
    );
    expect(objects).toContain("w/denied");
    const error = await grpcError(
      bed.mount(workload, { targetPath: target, parameters: { region, objects } }),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(snapshot(target)).toEqual(before);
  });

  test("a failure while writing (a directory where a file goes) also leaves everything as it was", async () => {
    const target = newTarget();
    await bed.mount(workload, { targetPath: target, parameters: { region, objects: six() } });
    mkdirSync(join(target, "blocker"));
    writeFileSync(join(target, "blocker", "keep"), "mine");
    const before = snapshot(target);
    const objects = `${six()}\n- {objectName: w/s3, objectType: secretsmanager, objectAlias: blocker}`;
    const error = await grpcError(
      bed.mount(workload, { targetPath: target, parameters: { region, objects } }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(snapshot(target)).toEqual(before);
  });

  test("a pre-planted symlink pointing outside the target is replaced, never written through", async () => {
    const target = newTarget();
    const victim = join(outside, "victim");
    writeFileSync(victim, "do not touch");
    symlinkSync(victim, join(target, "w_s1"));
    await bed.mount(workload, { targetPath: target, parameters: { region, objects: six() } });
    expect(readFileSync(victim, "utf8")).toBe("do not touch");
    expect(lstatSync(join(target, "w_s1")).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(target, "w_s1"), "utf8")).toStartWith("value-1");
  });

  test("a symlinked directory on the way is refused instead of followed", async () => {
    const target = newTarget();
    symlinkSync(outside, join(target, "w"));
    const error = await grpcError(
      bed.mount(workload, {
        targetPath: target,
        parameters: {
          region,
          pathTranslation: "False",
          objects: "- {objectName: w/s2, objectType: secretsmanager}",
        },
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(readdirSync(outside).filter((name) => name !== "victim")).toEqual([]);
  });

  test("a target that does not exist is INVALID_ARGUMENT", async () => {
    const target = newTarget();
    rmSync(target, { recursive: true });
    const error = await grpcError(
      bed.mount(workload, { targetPath: target, parameters: { region, objects: six() } }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(`does not exist: "${target}" is missing`);
  });

  test("modes are exact on disk whatever the process umask", async () => {
    const target = newTarget();
    const previous = process.umask(0o077);
    try {
      await bed.mount(workload, {
        targetPath: target,
        permission: String(0o644),
        parameters: { region, objects: six() },
      });
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(target, "w_s2")).mode & 0o777).toBe(0o644);
  });
});
