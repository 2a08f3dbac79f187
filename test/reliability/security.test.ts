import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { MountRequestSchema } from "../../gen/v1alpha1/service_pb.ts";
import { Code, isProviderError } from "../../src/errors.ts";
import type { RenderedFile } from "../../src/mount/render-files.ts";
import { writeFiles } from "../../src/mount/write-files.ts";
import { Redacted } from "../../src/redacted.ts";
import { createDriverClient, isServiceError } from "../helpers/driver-client.ts";
import { isAlive } from "../helpers/proc-stats.ts";
import {
  filesOf,
  startTestBed,
  type TestBed,
  type Workload,
  waitFor,
} from "../helpers/test-bed.ts";
import { check, isSafeRelativePath, pathName } from "./fuzz-properties.ts";

const region = "us-east-1";
const sm = (name: string, extra = "") =>
  `- {objectName: "${name}", objectType: secretsmanager${extra}}`;

/** Every entry under `dir`, relative, with a type letter: what a write may have left behind. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string, prefix: string) => {
    for (const name of readdirSync(current).sort()) {
      const stats = lstatSync(join(current, name));
      const kind = stats.isSymbolicLink() ? "l" : stats.isDirectory() ? "d" : "f";
      out.push(`${kind} ${prefix}${name}`);
      if (kind === "d") walk(join(current, name), `${prefix}${name}/`);
    }
  };
  walk(dir, "");
  return out;
}

/** Mounts and returns the gRPC error (fails when the mount succeeds). */
async function mountError(bed: TestBed, workload: Workload, init: Parameters<TestBed["mount"]>[1]) {
  const error = await bed.mount(workload, init).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isServiceError(error)) throw new Error(`expected a gRPC error, got ${String(error)}`);
  return error;
}

describe("the binary's socket and request limits", () => {
  let bed: TestBed;
  let workload: Workload;
  beforeAll(async () => {
    bed = await startTestBed({ mode: "binary" });
    workload = bed.workload({ namespace: "sec", serviceAccount: "app" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.putSecret(region, { name: "sec/db", secretString: "security-db-value" });
  });
  afterAll(() => bed.stop());

  const healthyMount = async () => {
    expect(isAlive(bed.pid ?? -1)).toBe(true);
    const response = await bed.mount(workload, { parameters: { region, objects: sm("sec/db") } });
    expect(filesOf(response)[0]?.text).toBe("security-db-value");
  };

  test("the socket is mode 0600 (only the driver, as root, may connect)", () => {
    expect(statSync(bed.socketPath).mode & 0o777).toBe(0o600);
    expect(lstatSync(bed.socketPath).isSocket()).toBe(true);
  });

  test("a 5 MiB request is refused with RESOURCE_EXHAUSTED and the process keeps serving", async () => {
    const request = create(MountRequestSchema, {
      attributes: JSON.stringify({ objects: "x".repeat(5 * 1024 * 1024) }),
      secrets: "null",
      targetPath: "/t",
      permission: "420",
    });
    const error = await bed.client.mount(request, { deadlineMs: 10_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isServiceError(error) && status[error.code]).toBe("RESOURCE_EXHAUSTED");
    await healthyMount();
  });

  test("a request just under the limit is read and refused on its merits", async () => {
    const error = await mountError(bed, workload, {
      parameters: { region, objects: `- objectName: "${"a".repeat(4_000_000)}"` },
    });
    expect(status[error.code]).toBe("INVALID_ARGUMENT");
    expect(error.details.length).toBeLessThan(64 * 1024);
    await healthyMount();
  });

  test("a YAML alias bomb in objects is refused quickly", async () => {
    const levels = Array.from({ length: 12 }, (_, i) =>
      i === 0
        ? "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"
        : `a${i}: &a${i} [${`*a${i - 1}, `.repeat(9)}*a${i - 1}]`,
    );
    const started = performance.now();
    const error = await mountError(bed, workload, {
      parameters: { region, objects: `${levels.join("\n")}\nlist: *a11` },
    });
    expect(status[error.code]).toBe("INVALID_ARGUMENT");
    expect(performance.now() - started).toBeLessThan(5000);
    await healthyMount();
  });

  test("a raw connection sending garbage and hanging up does not disturb the server", async () => {
    const socket = await Bun.connect({
      unix: bed.socketPath,
      socket: { data() {}, error() {} },
    });
    socket.write(
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0004garbage that is no HTTP/2 frame",
    );
    socket.end();
    const second = await Bun.connect({ unix: bed.socketPath, socket: { data() {} } });
    second.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    second.end();
    await Bun.sleep(100);
    await healthyMount();
  });
});

describe.each([
  ["driver-writes", "--driver-writes-secrets=true"],
  ["provider-writes", "--driver-writes-secrets=false"],
] as const)("path rules at write time (%s, binary)", (mode, flag) => {
  let bed: TestBed;
  let workload: Workload;
  let outside: string;
  beforeAll(async () => {
    bed = await startTestBed({ mode: "binary", flags: [flag, "--cache-ttl=0"] });
    workload = bed.workload({ namespace: "paths", serviceAccount: "writer" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.putSecret(region, { name: "w/db", secretString: "write-db-value" });
    bed.aws.putSecret(region, { name: "../escape", secretString: "escape-value" });
    outside = mkdtempSync(join(tmpdir(), "aws-provider-outside-"));
    writeFileSync(join(outside, "victim"), "untouched");
  });
  afterAll(async () => {
    await bed.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  const newTarget = () => bed.newTarget();
  const expectOutsideUntouched = () => {
    expect(listTree(outside)).toEqual(["f victim"]);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("untouched");
  };

  test.each([
    ["an alias with ..", { objects: sm("w/db", ", objectAlias: ../../escape") }],
    ["an alias that is only ..", { objects: sm("w/db", ", objectAlias: ..") }],
    [
      "a name with .. and pathTranslation False",
      { objects: sm("../escape"), pathTranslation: "False" },
    ],
    [
      "a jmesPath alias with ..",
      { objects: sm("w/db", ", jmesPath: [{path: a, objectAlias: ../x}]") },
    ],
    [
      "an alias starting with .. (the driver's own files)",
      { objects: sm("w/db", ", objectAlias: ..data") },
    ],
  ])("%s is INVALID_ARGUMENT and nothing is written", async (_name, parameters) => {
    const target = newTarget();
    const error = await mountError(bed, workload, {
      targetPath: target,
      parameters: { region, ...parameters },
    });
    expect(status[error.code]).toBe("INVALID_ARGUMENT");
    expect(listTree(target)).toEqual([]);
    expect(existsSync(resolve(target, "../../escape"))).toBe(false);
    expectOutsideUntouched();
  });

  test("an absolute objectName with pathTranslation False lands inside the target", async () => {
    const target = newTarget();
    const response = await bed
      .mount(workload, {
        targetPath: target,
        parameters: {
          region,
          pathTranslation: "False",
          objects: sm("/w/db", ", objectAlias: /abs/file"),
        },
      })
      .catch((e: unknown) => e);
    // Either refused or written under the target, never at /abs/file.
    expect(existsSync("/abs/file")).toBe(false);
    if (!isServiceError(response) && mode === "provider-writes") {
      expect(listTree(target)).toEqual(["d abs", "f abs/file"]);
    }
    expectOutsideUntouched();
  });

  if (mode === "provider-writes") {
    test("a symlink in the target is replaced, never followed", async () => {
      const target = newTarget();
      symlinkSync(join(outside, "victim"), join(target, "w_db"));
      await bed.mount(workload, {
        targetPath: target,
        parameters: { region, objects: sm("w/db") },
      });
      expect(lstatSync(join(target, "w_db")).isFile()).toBe(true);
      expect(readFileSync(join(target, "w_db"), "utf8")).toBe("write-db-value");
      expectOutsideUntouched();
    });

    test("a symlinked subdirectory is refused and nothing is written through it", async () => {
      const target = newTarget();
      symlinkSync(outside, join(target, "sub"));
      const error = await mountError(bed, workload, {
        targetPath: target,
        parameters: {
          region,
          pathTranslation: "False",
          objects: sm("w/db", ", objectAlias: sub/file"),
        },
      });
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
      expect(listTree(target)).toEqual(["l sub"]);
      expectOutsideUntouched();
    });

    test("a target that is itself a symlink is refused", async () => {
      const link = newTarget();
      rmSync(link, { recursive: true });
      symlinkSync(outside, link);
      const error = await mountError(bed, workload, {
        targetPath: link,
        parameters: { region, objects: sm("w/db") },
      });
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
      expectOutsideUntouched();
    });

    test("a target whose parent is a symlink is refused", async () => {
      const target = newTarget();
      const volume = dirname(target);
      rmSync(volume, { recursive: true });
      mkdirSync(join(outside, "mount"));
      symlinkSync(outside, volume);
      const error = await mountError(bed, workload, {
        targetPath: target,
        parameters: { region, objects: sm("w/db") },
      });
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
      expect(error.details).toContain("symlinked component");
      rmSync(join(outside, "mount"), { recursive: true });
      expectOutsideUntouched();
    });

    test.each([
      ["the root directory, with an absolute alias kept by pathTranslation False", "/"],
      ["a path with a .. element", "/pods/../etc"],
      ["a directory outside kubelet's layout", "/tmp"],
    ])("%s is refused before any AWS call", async (_name, targetPath) => {
      const calls = bed.aws.calls.length;
      const error = await mountError(bed, workload, {
        targetPath,
        parameters: {
          region,
          pathTranslation: "False",
          objects: sm("w/db", `, objectAlias: ${join(outside, "planted")}`),
        },
      });
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
      expect(error.details).toContain("target_path");
      expect(bed.aws.calls.length).toBe(calls);
      expectOutsideUntouched();
    });

    test("another pod's volume directory is refused", async () => {
      const target = bed.newTarget({ ...workload.pod, uid: "another-pod-uid" });
      const error = await mountError(bed, workload, {
        targetPath: target,
        parameters: { region, objects: sm("w/db") },
      });
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
      expect(error.details).toContain('belongs to pod uid "another-pod-uid"');
      expect(listTree(target)).toEqual([]);
    });

    test("a relative target path is refused", async () => {
      const error = await mountError(bed, workload, {
        targetPath: "relative/target",
        parameters: { region, objects: sm("w/db") },
      });
      expect(status[error.code]).toBe("INVALID_ARGUMENT");
    });
  } else {
    test("nothing is written to the target; the files travel in the answer", async () => {
      const target = newTarget();
      const response = await bed.mount(workload, {
        targetPath: target,
        parameters: { region, objects: sm("w/db") },
      });
      expect(filesOf(response).map((f) => f.path)).toEqual(["w_db"]);
      expect(listTree(target)).toEqual([]);
    });
  }
});

describe("writeFiles() enforces the path rules itself (defence in depth)", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "aws-provider-write-fuzz-"));
    mkdirSync(join(root, "outside"));
    writeFileSync(join(root, "outside", "victim"), "untouched");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // A kubelet-style volume directory: writeFiles checks the target again itself.
  const newTarget = () => {
    const target = join(root, "pods", crypto.randomUUID(), "volumes/kubernetes.io~csi/v/mount");
    mkdirSync(target, { recursive: true });
    return target;
  };
  const anyPod = { kubeletPath: undefined, podUid: undefined };
  const file = (path: string): RenderedFile => ({
    path,
    mode: 0o640,
    contents: new Redacted(new TextEncoder().encode("v")),
  });

  test.each([
    "../outside/victim",
    "/etc/passwd",
    "a/../../outside/victim",
    "..data",
    "",
    "a//b",
    "./a",
  ])("refuses %p even when validation was bypassed", (path) => {
    const target = newTarget();
    let thrown: unknown;
    try {
      writeFiles(target, [file("ok"), file(path)], anyPod);
    } catch (error) {
      thrown = error;
    }
    expect(isProviderError(thrown) && thrown.code).toBe(Code.InvalidArgument);
    expect(listTree(target)).toEqual([]);
    expect(readFileSync(join(root, "outside", "victim"), "utf8")).toBe("untouched");
  });

  test("for any set of fuzzed paths, everything lands inside the target or nothing is written", () => {
    fc.assert(
      fc.property(fc.array(pathName, { minLength: 1, maxLength: 4 }), (paths) => {
        const target = newTarget();
        let thrown: unknown;
        try {
          writeFiles(target, paths.map(file), anyPod);
        } catch (error) {
          thrown = error;
        }
        const tree = listTree(target);
        if (thrown === undefined) {
          check(paths.every(isSafeRelativePath), "wrote an unsafe path");
          for (const path of paths) check(tree.includes(`f ${path}`), `"${path}" is missing`);
        } else {
          check(isProviderError(thrown), `threw ${String(thrown)}`);
          check(
            tree.every((entry) => entry.startsWith("d ")),
            `left ${tree.join(", ")}`,
          );
        }
        check(!tree.some((entry) => entry.includes(".tmp")), "a temporary file survived");
        check(listTree(join(root, "outside")).join() === "f victim", "wrote outside the target");
        rmSync(target, { recursive: true, force: true });
      }),
      // Every successful case fsyncs its files: a few here, at most 2,000 in the soak.
      { numRuns: Math.min(Number(process.env["FUZZ_RUNS"] ?? "") || 15, 2000), seed: 7_300_001 },
    );
  });
});

describe("process-level error handlers (source, with an injected fault)", () => {
  test("an unhandled rejection and an uncaught exception are logged and the daemon keeps serving", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aws-provider-crash-"));
    try {
      // Runs before main.ts: schedules both kinds of escape after the handlers are installed.
      const preload = join(dir, "inject.ts");
      writeFileSync(
        preload,
        [
          'setTimeout(() => { void Promise.reject(new Error("injected rejection")); }, 400);',
          'setTimeout(() => { throw new Error("injected exception"); }, 600);',
        ].join("\n"),
      );
      const child = Bun.spawn(
        [
          process.execPath,
          "--preload",
          preload,
          resolve(import.meta.dir, "../../src/main.ts"),
          `--provider-volume=${dir}`,
          "--kube-api-url=http://127.0.0.1:1",
          "--metrics-address=",
        ],
        { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, stdout: "pipe", stderr: "pipe" },
      );
      let output = "";
      const collect = async (stream: ReadableStream<Uint8Array>) => {
        for await (const chunk of stream) output += new TextDecoder().decode(chunk);
      };
      void collect(child.stdout as ReadableStream<Uint8Array>);
      void collect(child.stderr as ReadableStream<Uint8Array>);
      try {
        await waitFor(
          () => output.includes("injected exception") || child.exitCode !== null,
          10_000,
        );
        await Bun.sleep(200);
        expect(child.exitCode).toBeNull();
        const lines = output.split("\n").filter((line) => line.includes("injected"));
        expect(
          lines.some(
            (l) => l.includes("Unhandled promise rejection") && l.includes('"level":"error"'),
          ),
        ).toBe(true);
        expect(
          lines.some((l) => l.includes("Uncaught exception") && l.includes('"level":"error"')),
        ).toBe(true);
        const client = createDriverClient(join(dir, "aws.sock"));
        try {
          expect((await client.version()).version).toBe("v1alpha1");
        } finally {
          client.close();
        }
      } finally {
        child.kill("SIGTERM");
        await child.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
