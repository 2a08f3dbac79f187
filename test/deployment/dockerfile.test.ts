/**
 * The Dockerfile and its build context: pinned Bun, lockfile install, cross-compiling build stage,
 * distroless non-root final stage holding only the binary. Without a Docker engine here, the build
 * stage's two RUN steps are also run as they are, outside Docker, for both architectures.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary } from "../helpers/built-binary.ts";
import { daemonSetEnv, readImageEnv } from "../helpers/daemonset-env.ts";
import { elfMachine } from "./elf.ts";
import { packageVersion, readRepoFile, repoRoot } from "./k8s.ts";

/** One instruction of the Dockerfile, continuation lines joined. */
interface Instruction {
  keyword: string;
  args: string;
}

/** Parses the Dockerfile into instructions grouped by stage (each `FROM` starts a stage). */
function parseDockerfile(text: string): Instruction[][] {
  const logical = text
    .replaceAll(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const packageJson = JSON.parse(readRepoFile("package.json")) as {
  devDependencies: Record<string, string>;
};
const stages = parseDockerfile(readRepoFile("Dockerfile"));
const [buildStage = [], finalStage = []] = stages;
const runs = buildStage.filter((instruction) => instruction.keyword === "RUN");

describe("Dockerfile", () => {
  test("has a build stage on package.json's Bun, on the build platform, and a final stage", () => {
    expect(stages).toHaveLength(2);
    expect(buildStage[0]?.args).toBe(
      `--platform=$BUILDPLATFORM oven/bun:${packageJson.devDependencies["bun"]} AS build`,
    );
  });

  test("installs production dependencies from package-lock.json, frozen, without scripts", () => {
    const copies = buildStage.filter((instruction) => instruction.keyword === "COPY");
    expect(copies[0]?.args).toBe("package.json package-lock.json ./");
    expect(runs[0]?.args).toBe("bun install --frozen-lockfile --production --ignore-scripts");
  });

  test("compiles one self-contained binary per TARGETARCH, version stamped", () => {
    const build = runs[1]?.args ?? "";
    expect(buildStage.map((instruction) => `${instruction.keyword} ${instruction.args}`)).toContain(
      "ARG TARGETARCH",
    );
    expect(build).toContain("amd64) target=bun-linux-x64-baseline");
    expect(build).toContain("arm64) target=bun-linux-arm64");
    for (const flag of [
      "--compile",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax of the Dockerfile
      '--target="${target}"',
      "BUILD_VERSION",
    ])
      expect(build).toContain(flag);
  });

  test("compiles with the Makefile's runtime flags, so the image runs the benchmarked binary", () => {
    const flags = /^BUN_RUNTIME_FLAGS\s*:=\s*(.+)$/m.exec(readRepoFile("Makefile"))?.[1]?.trim();
    expect(flags).toBeDefined();
    const build = runs[1]?.args ?? "";
    for (const flag of (flags ?? "").split(/\s+/))
      expect({ flag, found: build.includes(flag) }).toEqual({ flag, found: true });
    // Both compile the same way: the Makefile's compile line passes the same variable.
    expect(readRepoFile("Makefile")).toMatch(/^BUN_COMPILE = .*\\\n.*\$\(BUN_RUNTIME_FLAGS\)/m);
  });

  test("ends on distroless glibc as non-root, with only the binary, run as the entrypoint", () => {
    expect(finalStage[0]?.args).toBe("gcr.io/distroless/base-nossl-debian12:nonroot");
    const kinds = finalStage.map((instruction) => instruction.keyword);
    expect(kinds.filter((kind) => kind === "COPY" || kind === "ADD" || kind === "RUN")).toEqual([
      "COPY",
    ]);
    expect(finalStage.find((i) => i.keyword === "COPY")?.args).toBe(
      "--from=build /out/secrets-store-csi-driver-provider-aws /bin/secrets-store-csi-driver-provider-aws",
    );
    expect(finalStage.find((i) => i.keyword === "USER")?.args).toBe("65532:65532");
    expect(finalStage.at(-1)).toEqual({
      keyword: "ENTRYPOINT",
      args: '["/bin/secrets-store-csi-driver-provider-aws"]',
    });
  });

  test("sets only JavaScriptCore options the pinned Bun knows, as the tests run the binary", () => {
    const env = readImageEnv();
    const declared = finalStage.filter((i) => i.keyword === "ENV").map((i) => i.args);
    expect(declared).toEqual(Object.entries(env).map(([name, value]) => `${name}=${value}`));
    expect(env).toEqual({ BUN_JSC_useFTLJIT: "0" });
    expect(daemonSetEnv()).toMatchObject(env);
    const run = (extra: Record<string, string>) =>
      Bun.spawnSync([ensureBinary(), "--version"], {
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...extra },
        stdout: "pipe",
        stderr: "pipe",
      });
    expect(run(env).exitCode).toBe(0);
    // What a Bun that no longer knew the option would do: refuse to start.
    const unknown = run({ ...env, BUN_JSC_notAnOptionOfThisBun: "0" });
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr.toString()).toContain("invalid JSC environment variable");
  });
});

/**
 * stderr of `bun build --compile` without the progress lines Bun prints while it fetches a
 * cross-compilation runtime missing from its cache ("Downloading …", "Decompressing..."), which
 * are not errors; anything else stays and fails the test.
 */
function withoutDownloadProgress(stderr: string): string {
  return stderr
    .split(/\r|\n/)
    .filter((line) => !/^\s*(Downloading|Decompressing|Extracting)\b[^:]*$/i.test(line))
    .join("\n")
    .trim();
}

describe("withoutDownloadProgress()", () => {
  test("drops download progress and keeps errors", () => {
    expect(withoutDownloadProgress("Decompressing...\n")).toBe("");
    expect(withoutDownloadProgress("Downloading bun-linux-aarch64-v1.4.5\rDecompressing...")).toBe(
      "",
    );
    expect(withoutDownloadProgress("Decompressing...\nerror: failed to download runtime")).toBe(
      "error: failed to download runtime",
    );
    expect(withoutDownloadProgress("Decompressing: error: archive is corrupt")).not.toBe("");
  });
});

describe(".dockerignore", () => {
  test("lets in only the lockfile, tsconfig and sources, without tests", () => {
    const rules = readRepoFile(".dockerignore")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"));
    expect(rules).toEqual([
      "*",
      "!package.json",
      "!package-lock.json",
      "!tsconfig.json",
      "!src/",
      "!gen/",
      "**/*.test.ts",
    ]);
  });
});

describe("the build stage, run outside Docker", () => {
  const context = mkdtempSync(join(tmpdir(), "docker-build-stage-"));
  const workdir = join(context, "src");
  const out = join(context, "out");
  afterAll(() => rmSync(context, { recursive: true, force: true }));
  // The image has `bun` on its PATH; here it is this test runner's executable (named bun.exe in
  // the npm package).
  const bunDir = join(context, "bin");
  mkdirSync(bunDir, { recursive: true });
  symlinkSync(process.execPath, join(bunDir, "bun"));
  const run = (script: string, env: Record<string, string> = {}) =>
    Bun.spawnSync(["sh", "-c", script.replaceAll("/out/", `${out}/`)], {
      cwd: workdir,
      env: {
        PATH: `${bunDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
        HOME: process.env["HOME"] ?? "/root",
        ...env,
      },
      stdout: "pipe",
      stderr: "pipe",
    });

  test(
    "installs from the lockfile and compiles for amd64 and arm64 with the package version",
    () => {
      mkdirSync(out, { recursive: true });
      for (const file of ["package.json", "package-lock.json", "tsconfig.json", "src", "gen"])
        cpSync(join(repoRoot, file), join(workdir, file), {
          recursive: true,
          filter: (source) => !source.endsWith(".test.ts"),
        });
      const install = run(runs[0]?.args ?? "false");
      expect(install.stderr.toString() + install.stdout.toString()).not.toContain("error:");
      expect(install.exitCode).toBe(0);

      for (const arch of ["amd64", "arm64"]) {
        const build = run(runs[1]?.args ?? "false", { TARGETARCH: arch, VERSION: "" });
        expect({
          arch,
          exitCode: build.exitCode,
          stderr: withoutDownloadProgress(build.stderr.toString()),
        }).toEqual({ arch, exitCode: 0, stderr: "" });
        rmSync(join(out, `provider-${arch}`), { force: true });
        cpSync(join(out, "secrets-store-csi-driver-provider-aws"), join(out, `provider-${arch}`));
      }
      expect(elfMachine(join(out, "provider-arm64"))).toBe("aarch64");
      expect(elfMachine(join(out, "provider-amd64"))).toBe("x86-64");
      const version = Bun.spawnSync([join(out, "provider-amd64"), "--version"]);
      expect(version.stdout.toString().trim()).toBe(packageVersion);
    },
    { timeout: 180_000 },
  );

  test("refuses a TARGETARCH it cannot build", () => {
    const build = run(runs[1]?.args ?? "true", { TARGETARCH: "s390x", VERSION: "1.0.0" });
    expect(build.exitCode).not.toBe(0);
    expect(build.stderr.toString()).toContain("unsupported TARGETARCH 's390x'");
  });
});
