/**
 * The cross-compiled Linux binaries of `make build`: built through the Makefile's own rules (Bun
 * fetches the arm64 runtime from the npm registry once, then builds offline from its cache). The
 * host is x86-64, so the amd64 binary runs; the arm64 one is checked by its ELF header.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { elfMachine } from "./elf.ts";
import { packageVersion, repoRoot } from "./k8s.ts";

const amd64 = "dist/secrets-store-csi-driver-provider-aws-linux-amd64";
const arm64 = "dist/secrets-store-csi-driver-provider-aws-linux-arm64";

describe("make build-cross", () => {
  let build: { exitCode: number; output: string } = { exitCode: -1, output: "" };
  beforeAll(() => {
    // `-o node_modules/.installed`: never run `npm ci` from inside a test run.
    const result = Bun.spawnSync(
      [
        "make",
        "--no-print-directory",
        "-o",
        "node_modules/.installed",
        `VERSION=${packageVersion}`,
        amd64,
        arm64,
      ],
      { cwd: repoRoot, stdout: "pipe", stderr: "pipe" },
    );
    build = {
      exitCode: result.exitCode,
      output: result.stdout.toString() + result.stderr.toString(),
    };
  }, 180_000);

  test("builds both binaries", () => {
    expect(build).toMatchObject({ exitCode: 0 });
  });

  test("the linux-amd64 binary runs here and prints the version of package.json", () => {
    expect(elfMachine(join(repoRoot, amd64))).toBe("x86-64");
    const run = Bun.spawnSync([join(repoRoot, amd64), "--version"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect({ exitCode: run.exitCode, stdout: run.stdout.toString() }).toEqual({
      exitCode: 0,
      stdout: `${packageVersion}\n`,
    });
  });

  test("the linux-arm64 binary is an aarch64 ELF executable", () => {
    expect(elfMachine(join(repoRoot, arm64))).toBe("aarch64");
  });

  test("elfMachine rejects a file that is not an executable", () => {
    expect(() => elfMachine(join(repoRoot, "package.json"))).toThrow("not an ELF file");
  });
});
