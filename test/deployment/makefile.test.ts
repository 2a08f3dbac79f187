/**
 * The Makefile's private image build: `make` alone logs in to ECR, refuses to overwrite an existing
 * version tag, then pushes one multi-arch image. Checked with `make -n` and by running the real
 * recipes against stand-ins for `aws` and `docker` that record their arguments.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageVersion, repoRoot } from "./k8s.ts";

const registry = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";
const privRepo = `${registry}/team/secrets-store-csi-driver-provider-aws`;

/** Environment of `make`: without VERSION or PRIVREPO from the caller's shell. */
function makeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (
      value !== undefined &&
      !["VERSION", "PRIVREPO", "REGION", "MAKEFLAGS", "MAKELEVEL"].includes(key)
    )
      env[key] = value;
  return { ...env, ...extra };
}

/** Runs make in the repository root. */
function make(args: string[], env: Record<string, string> = makeEnv()) {
  const result = Bun.spawnSync(["make", "--no-print-directory", ...args], {
    cwd: repoRoot,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    exitCode: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

describe("make -n (dry run)", () => {
  test("the default goal logs in, checks the version tag, then builds and pushes both platforms", () => {
    const { exitCode, stdout } = make(["-n", `PRIVREPO=${privRepo}`]);
    expect(exitCode).toBe(0);
    const login = stdout.indexOf(
      `aws --region eu-west-1 ecr get-login-password | docker login --username AWS --password-stdin ${registry}`,
    );
    const check = stdout.indexOf(
      `ecr describe-images --registry-id 111122223333 --repository-name team/secrets-store-csi-driver-provider-aws --image-ids imageTag=${packageVersion}`,
    );
    const push = stdout.search(
      /docker buildx build --builder \S+ --platform linux\/amd64,linux\/arm64 --build-arg VERSION=\S+ \\\n\s+--tag \S+ --tag \S+ --push \./,
    );
    expect(login).toBeGreaterThan(-1);
    expect(check).toBeGreaterThan(login);
    expect(push).toBeGreaterThan(check);
    expect(stdout).toContain(`--build-arg VERSION=${packageVersion}`);
    expect(stdout).toContain(
      `--tag ${privRepo}:${packageVersion} --tag ${privRepo}:latest --push .`,
    );
  });

  test("REGION overrides the region of the registry host; ECR Public uses its own API", () => {
    expect(
      make(["-n", `PRIVREPO=${privRepo}`, "REGION=eu-central-1", "ecr-login"]).stdout,
    ).toContain("aws --region eu-central-1 ecr get-login-password");
    const { stdout } = make(["-n", "PRIVREPO=public.ecr.aws/myalias/provider", "check-tag"]);
    expect(stdout).toContain("aws --region us-east-1 ecr-public get-login-password");
    expect(stdout).toContain("docker login --username AWS --password-stdin public.ecr.aws");
    expect(stdout).toContain("ecr-public describe-images --repository-name provider --image-ids");
  });

  test("refuses to start without PRIVREPO", () => {
    const { exitCode, stderr } = make(["-n"]);
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain("set PRIVREPO=");
  });

  test("make build compiles the host and both Linux binaries, version stamped", () => {
    const { stdout } = make(["-n", "-B", "-o", "node_modules/.installed", "build"]);
    const compiles = stdout
      .split("\n")
      .filter((line) => line.includes("build src/main.ts --compile"));
    expect(compiles).toHaveLength(3);
    for (const line of compiles) {
      expect(line).toContain("--no-compile-autoload-dotenv --no-compile-autoload-bunfig");
      expect(line).toContain(`--define BUILD_VERSION='"${packageVersion}"'`);
    }
    expect(compiles[1]).toContain(
      "--target=bun-linux-x64-baseline --outfile dist/secrets-store-csi-driver-provider-aws-linux-amd64",
    );
    expect(compiles[2]).toContain(
      "--target=bun-linux-arm64 --outfile dist/secrets-store-csi-driver-provider-aws-linux-arm64",
    );
  });
});

describe("make against stand-ins for aws and docker", () => {
  const dir = mkdtempSync(join(tmpdir(), "make-image-"));
  const log = join(dir, "calls.log");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Each records its arguments; `aws … describe-images` answers as $DESCRIBE says.
  writeFileSync(
    join(dir, "aws"),
    `#!/bin/sh
echo "aws $*" >> "${log}"
case "$*" in
  *get-login-password*) echo token ;;
  *describe-images*)
    case "$DESCRIBE" in
      exists) echo '{"imageDetails":[{"imageTags":["x"]}]}' ;;
      missing) echo "An error occurred (ImageNotFoundException) when calling the DescribeImages operation" >&2; exit 254 ;;
      *) echo "An error occurred (AccessDeniedException) when calling the DescribeImages operation" >&2; exit 254 ;;
    esac ;;
esac
`,
  );
  writeFileSync(
    join(dir, "docker"),
    `#!/bin/sh\n[ "$1" = login ] && cat > /dev/null\necho "docker $*" >> "${log}"\nexit 0\n`,
  );
  chmodSync(join(dir, "aws"), 0o755);
  chmodSync(join(dir, "docker"), 0o755);

  const runMake = (describe: string) => {
    rmSync(log, { force: true });
    writeFileSync(log, "");
    const result = make(
      [`PRIVREPO=${privRepo}`],
      makeEnv({ PATH: `${dir}:${process.env["PATH"] ?? ""}`, DESCRIBE: describe }),
    );
    return { ...result, calls: readFileSync(log, "utf8") };
  };

  test("pushes when the version tag does not exist yet", () => {
    const { exitCode, calls, stderr } = runMake("missing");
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(calls).toContain(`docker login --username AWS --password-stdin ${registry}`);
    expect(calls).toContain(
      `docker buildx build --builder secrets-store-csi-driver-provider-aws --platform linux/amd64,linux/arm64 --build-arg VERSION=${packageVersion} --tag ${privRepo}:${packageVersion} --tag ${privRepo}:latest --push .`,
    );
  });

  test("refuses to overwrite an existing version tag, and builds nothing", () => {
    const { exitCode, calls, stderr } = runMake("exists");
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain(`${privRepo}:${packageVersion} already exists`);
    expect(calls).toContain("describe-images");
    expect(calls).not.toContain("buildx build");
  });

  test("stops when it cannot tell whether the tag exists", () => {
    const { exitCode, calls, stderr } = runMake("denied");
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain("AccessDeniedException");
    expect(calls).not.toContain("buildx build");
  });
});
