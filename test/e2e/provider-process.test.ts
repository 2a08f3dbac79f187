import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { status } from "@grpc/grpc-js";
import { ensureBinary } from "../helpers/built-binary.ts";
import { createDriverClient, grpcError } from "../helpers/driver-client.ts";
import { filesOf, startTestBed, type TestBed, waitFor } from "../helpers/test-bed.ts";

const region = "us-east-1";
const packageVersion: string = (
  await Bun.file(resolve(import.meta.dir, "../../package.json")).json()
).version;

/** How to run the provider as a process: the compiled binary, and the sources under Bun. */
const commands = {
  binary: [ensureBinary()],
  source: [process.execPath, resolve(import.meta.dir, "../../src/main.ts")],
} as const;

describe.each(["binary", "source"] as const)("the provider process (%s)", (mode) => {
  let bed: TestBed;
  let envCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  const envToken = "eyJ.provider-own-web-identity.token";

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "aws-provider-env-"));
    // The provider's own environment holds powerful credentials; they must never be used.
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, envToken);
    bed = await startTestBed({
      mode,
      env: {
        AWS_ACCESS_KEY_ID: "placeholder",
        AWS_SECRET_ACCESS_KEY: "placeholder",
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: "arn:aws:iam::111122223333:role/node-admin",
      },
    });
    // Real, fully granted credentials behind the variables above would be the worst case, but the
    // process env is fixed at spawn; so the fake grants the env role everything and trusts its token.
    bed.aws.trustWebIdentity(envToken, { roleArns: ["arn:aws:iam::111122223333:role/node-admin"] });
    bed.aws.grant("arn:aws:iam::111122223333:role/node-admin", {
      service: "secretsmanager",
      resource: "*",
    });
    envCredentials = bed.aws.issueCredentials(
      "arn:aws:iam::111122223333:role/node-admin",
    ) as typeof envCredentials;
    bed.aws.putSecret(region, { name: "app/db", secretString: "process-secret-value" });
    rmSync(dir, { recursive: true, force: true });
  });

  afterAll(() => bed.stop());

  test("answers Version as SPEC §2 says", async () => {
    const answer = await bed.client.version();
    expect(answer.version).toBe("v1alpha1");
    expect(answer.runtimeName).toBe("secrets-store-csi-driver-provider-aws");
    expect(answer.runtimeVersion).toBe(mode === "binary" ? packageVersion : "0.0.0-dev");
  });

  test("creates its socket with mode 0600", () => {
    expect(statSync(bed.socketPath).mode & 0o777).toBe(0o600);
  });

  test("mounts a secret with the pod's identity", async () => {
    const workload = bed.workload({ serviceAccount: "reader" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "app/*" });
    const response = await bed.mount(workload, {
      parameters: { region, objects: "- {objectName: app/db, objectType: secretsmanager}" },
    });
    expect(filesOf(response)).toEqual([
      { path: "app_db", mode: 0o644, text: "process-secret-value" },
    ]);
    const signed = bed.aws.calls.filter((c) => c.operation === "GetSecretValue");
    expect(signed.at(-1)?.roleArn).toBe(workload.roleArn);
  });

  test("never uses its own environment credentials or web identity", async () => {
    const noRole = bed.workload({ serviceAccount: "no-role", roleArn: null });
    bed.aws.resetCalls();
    const error = await grpcError(
      bed.mount(noRole, {
        parameters: { region, objects: "- {objectName: app/db, objectType: secretsmanager}" },
      }),
    );
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(bed.aws.calls).toHaveLength(0);

    const denied = bed.workload({ serviceAccount: "unprivileged" });
    const deniedError = await grpcError(
      bed.mount(denied, {
        parameters: { region, objects: "- {objectName: app/db, objectType: secretsmanager}" },
      }),
    );
    expect(deniedError.code).toBe(status.PERMISSION_DENIED);
    for (const call of bed.aws.calls) {
      expect(call.accessKeyId).not.toBe(envCredentials.accessKeyId);
      expect(call.accessKeyId).not.toBe("placeholder");
      expect(call.webIdentityToken).not.toBe(envToken);
      expect(call.roleArn).not.toBe("arn:aws:iam::111122223333:role/node-admin");
    }
  });

  test("logs no secret value or token", () => {
    const output = bed.output();
    expect(output).toContain("AWS provider started");
    for (const secret of [
      "process-secret-value",
      envToken,
      "fake-kube-token",
      envCredentials.secretAccessKey,
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});

describe("the provider process lifecycle (binary)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "aws-provider-life-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    Bun.spawnSync([...commands.binary, ...args], { env: { PATH: "/usr/bin:/bin" } });

  test("--version prints the stamped version", () => {
    const result = run(["--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toBe(`${packageVersion}\n`);
  });

  test("--help lists the flags with defaults", () => {
    const text = run(["--help"]).stdout.toString();
    expect(text).toContain("--provider-volume");
    expect(text).toContain("(default /var/run/secrets-store-csi-providers)");
  });

  test("an unknown flag exits 2 with one line naming it", () => {
    const result = run(["--no-such-flag"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString().trim().split("\n")).toEqual([
      "secrets-store-csi-driver-provider-aws: unknown flag --no-such-flag (see --help)",
    ]);
  });

  test("a missing socket directory exits 1 with one clear line", () => {
    const result = run([
      `--provider-volume=${join(dir, "missing")}`,
      "--kube-api-url=http://127.0.0.1:1",
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.toString()).toContain(
      `socket directory "${join(dir, "missing")}" does not exist`,
    );
  });

  /** A socket file left behind by a provider that was killed (Bun unlinks on a clean close). */
  const leaveStaleSocket = (socketPath: string) => {
    const script = `require("node:net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"))`;
    Bun.spawnSync([process.execPath, "-e", script]);
    if (!statSync(socketPath).isSocket()) throw new Error("no stale socket was left");
  };

  test.each([
    ["a stale socket", leaveStaleSocket],
    ["a regular file", (path: string) => writeFileSync(path, "left behind")],
  ])(
    "replaces %s at aws.sock, and on SIGTERM removes the socket and exits 0",
    async (_name, leave) => {
      const volume = mkdtempSync(join(dir, "volume-"));
      const socketPath = join(volume, "aws.sock");
      leave(socketPath);
      writeFileSync(join(volume, "keep"), "");
      const child = Bun.spawn(
        [
          ...commands.binary,
          `--provider-volume=${volume}`,
          "--kube-api-url=http://127.0.0.1:1",
          // Not the default :8989, which another provider on this machine may hold.
          "--metrics-address=127.0.0.1:0",
        ],
        { env: { PATH: "/usr/bin:/bin" }, stdout: "pipe", stderr: "pipe" },
      );
      try {
        const client = createDriverClient(socketPath);
        let answered = false;
        await waitFor(
          () => answered,
          10_000,
          async () => {
            answered = await client.version().then(
              () => true,
              () => false,
            );
          },
        );
        client.close();
        expect(answered).toBe(true);
        child.kill("SIGTERM");
        expect(await child.exited).toBe(0);
        expect(existsSync(socketPath)).toBe(false);
        expect(existsSync(join(volume, "keep"))).toBe(true);
        const logLines = (await new Response(child.stdout).text())
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l).msg);
        expect(logLines).toEqual(["AWS provider started", "Shutting down", "Stopped"]);
      } finally {
        child.kill("SIGKILL");
      }
    },
  );

  test.each([
    ["a directory", "a directory", (path: string) => mkdirSync(path)],
    ["a symlink", "a symlink", (path: string) => symlinkSync("/dev/null", path)],
  ])("refuses %s at aws.sock with one clear line and leaves it", (_name, kind, leave) => {
    const volume = mkdtempSync(join(dir, "volume-"));
    const socketPath = join(volume, "aws.sock");
    leave(socketPath);
    const result = run([
      `--provider-volume=${volume}`,
      "--kube-api-url=http://127.0.0.1:1",
      "--metrics-address=",
    ]);
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.toString().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`"${socketPath}" is ${kind}, not a stale socket or file`);
    expect(lstatSync(socketPath).isSocket()).toBe(false);
  });
});
