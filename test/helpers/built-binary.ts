import { resolve } from "node:path";

/** Path of the compiled binary that `make build` produces. */
export const binaryPath = resolve(
  import.meta.dir,
  "../../dist/secrets-store-csi-driver-provider-aws",
);

let built: string | undefined;

/**
 * Builds the binary through the Makefile's own rule when it is missing or older than the sources
 * (a fresh clone's `npm ci && bun test`, or a tree edited since the last build), once per test
 * run, and returns its path. `-o node_modules/.installed`: never run `npm ci` from a test.
 * @throws Error with make's output when the build fails
 */
export function ensureBinary(): string {
  if (built !== undefined) return built;
  const result = Bun.spawnSync(
    [
      "make",
      "--no-print-directory",
      "-s",
      "-o",
      "node_modules/.installed",
      "dist/secrets-store-csi-driver-provider-aws",
    ],
    { cwd: resolve(import.meta.dir, "../.."), stdout: "pipe", stderr: "pipe" },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `cannot build ${binaryPath}:\n${result.stdout.toString()}${result.stderr.toString()}`,
    );
  }
  built = binaryPath;
  return built;
}
