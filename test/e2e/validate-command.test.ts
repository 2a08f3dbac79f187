import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureBinary } from "../helpers/built-binary.ts";

const root = resolve(import.meta.dir, "../..");
const commands = {
  binary: [ensureBinary()],
  source: [process.execPath, join(root, "src/main.ts")],
} as const;

const twoBadSpcs = `# Two SecretProviderClasses, each with one mistake.
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: first
spec:
  provider: aws
  parameters:
    region: us-east-1
    objects: |
      - objectName: "prod/db"
        objectType: "secretsmanager"
      - objectName: "prod/api"
        objectType: "secretsmanagr"
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: second
spec:
  provider: aws
  parameters:
    objects: |
      - objectName: "/prod/flag"
        objectType: "ssmparameter"
        filePermission: "644"
`;

describe.each(["binary", "source"] as const)("validate (%s)", (mode) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "validate-"));
    writeFileSync(join(dir, "two.yaml"), twoBadSpcs);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], stdin?: string) => {
    const result = Bun.spawnSync([...commands[mode], "validate", ...args], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin" },
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    });
    return {
      exitCode: result.exitCode,
      stdout: result.stdout.toString(),
      stderr: result.stderr.toString(),
    };
  };

  test("reports each SPC's problem at its line and column inside the objects block, and exits 1", () => {
    const result = run(["two.yaml"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout.trim().split("\n")).toEqual([
      'two.yaml:14:21: error: objects[1] ("prod/api").objectType: "secretsmanagr" is not an object type: use "secretsmanager" or "ssmparameter"',
      expect.stringMatching(
        /^two\.yaml:26:25: error: objects\[0\] \("\/prod\/flag"\)\.filePermission: /,
      ),
    ]);
    expect(result.stderr).toBe(
      "validate: 2 SecretProviderClasses in 1 file: 2 errors, 0 warnings\n",
    );
  });

  test("reads '-' from stdin", () => {
    const result = run(["-"], twoBadSpcs);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toStartWith("<stdin>:14:21: error:");
  });

  test("the examples validate clean, also walked as a directory with --strict", () => {
    // Named one by one, a file without a SecretProviderClass (the provider-writes DaemonSet
    // patch) is warned about; walked as a directory it is not.
    const examples = [...new Bun.Glob("examples/**/*.{yaml,yml}").scanSync({ cwd: root })].filter(
      (file) => !file.endsWith("-patch.yaml"),
    );
    expect(examples.length).toBeGreaterThan(0);
    const result = run(examples.map((file) => join(root, file)));
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
    const walked = run(["--strict", join(root, "examples")]);
    expect(walked.stdout).toBe("");
    expect(walked.exitCode).toBe(0);
  });

  test("without files, or with an unknown flag, it exits 2 with one line", () => {
    const result = run([]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "secrets-store-csi-driver-provider-aws: validate needs at least one file or directory ('-' reads stdin)\n",
    );
    const unknown = run(["--strikt", "two.yaml"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe(
      'secrets-store-csi-driver-provider-aws: unknown validate flag "--strikt": use --strict or --output text|json (see --help)\n',
    );
  });

  test("checks the items of kubectl's kind: List read from stdin", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${twoBadSpcs
      .split("---\n")
      .map((document) =>
        document
          .replace(/^#.*\n/, "")
          .trimEnd()
          .split("\n")
          .map((line, index) => (index === 0 ? `- ${line}` : `  ${line}`))
          .join("\n"),
      )
      .join("\n")}\n`;
    const result = run(["-"], list);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "validate: 2 SecretProviderClasses in 1 file: 2 errors, 0 warnings\n",
    );
  });

  test("walks a directory; --strict fails on a warning; --output json reports it", () => {
    mkdirSync(join(dir, "manifests", "team"), { recursive: true });
    writeFileSync(
      join(dir, "manifests", "team", "spc.yml"),
      'kind: SecretProviderClass\nspec:\n  provider: aws\n  parameters:\n    usepodidentity: "true"\n    objects: |\n      - {objectName: db, objectType: secretsmanager}\n',
    );
    writeFileSync(join(dir, "manifests", "deployment.yaml"), "kind: Deployment\n");
    const lenient = run(["manifests"]);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.stdout).toBe(
      'manifests/team/spc.yml:5:5: warning: usepodidentity: unknown parameter "usepodidentity" is ignored (parameter names are case-sensitive); did you mean "usePodIdentity"?\n',
    );
    const strict = run(["--strict", "--output", "json", "manifests"]);
    expect(strict.exitCode).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({
      files: ["manifests/deployment.yaml", "manifests/team/spc.yml"],
      secretProviderClasses: 1,
      errors: 0,
      warnings: 1,
      passed: false,
      diagnostics: [{ file: "manifests/team/spc.yml", line: 5, column: 5, severity: "warning" }],
    });
  });
});
