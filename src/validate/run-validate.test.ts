import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processIo, runValidate, type ValidateIo, type ValidateReport } from "./run-validate.ts";

const good = `kind: SecretProviderClass
spec:
  provider: aws
  parameters:
    objects: |
      - {objectName: db, objectType: secretsmanager}
`;
const bad = `kind: SecretProviderClass
spec:
  provider: aws
  parameters:
    objects: |
      - objectName: db
        objectType: nope
`;
const typo = good.replace("    objects:", "    regoin: us-east-1\n    objects:");

/** An in-memory file tree: directories are implied by the paths of their files. */
function fakeIo(files: Record<string, string>, stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  const isDirectory = (path: string) =>
    Object.keys(files).some((file) => file.startsWith(`${path.replace(/\/$/, "")}/`));
  const io: ValidateIo = {
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) {
        const reason = isDirectory(path) ? "EISDIR: illegal operation on a directory" : "ENOENT";
        throw new Error(`${reason}, open '${path}'`);
      }
      return text;
    },
    readStdin: async () => stdin,
    kindOf: async (path) => {
      if (files[path] !== undefined) return "file";
      if (isDirectory(path)) return "directory";
      throw new Error(`ENOENT: no such file or directory, stat '${path}'`);
    },
    readDirectory: async (path) => {
      const prefix = `${path.replace(/\/$/, "")}/`;
      const names = new Set(
        Object.keys(files)
          .filter((file) => file.startsWith(prefix))
          .map((file) => file.slice(prefix.length).split("/")[0] ?? ""),
      );
      return [...names].map((name) => ({
        name,
        kind: files[prefix + name] !== undefined ? ("file" as const) : ("directory" as const),
      }));
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  return { io, out, err };
}

describe("runValidate()", () => {
  test("prints file:line:column: severity: message and exits 1 on an error", async () => {
    const { io, out, err } = fakeIo({ "good.yaml": good, "bad.yaml": bad });
    expect(await runValidate(["good.yaml", "bad.yaml"], { io })).toBe(1);
    expect(out).toEqual([
      'bad.yaml:7:21: error: objects[0] ("db").objectType: "nope" is not an object type: use "secretsmanager" or "ssmparameter"\n',
    ]);
    expect(err).toEqual(["validate: 2 SecretProviderClasses in 2 files: 1 error, 0 warnings\n"]);
  });

  test("exits 0 when there are only warnings, and names stdin <stdin>", async () => {
    const { io, out } = fakeIo(
      {},
      good.replace("objectType: secretsmanager", "objectType: secretsmanager, objectAliass: x"),
    );
    expect(await runValidate(["-"], { io })).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(/^<stdin>:6:\d+: warning: objects\[0\] \("db"\)\.objectAliass/),
    ]);
  });

  test("with strict, a warning fails: an unknown parameter exits 1", async () => {
    const { io, out, err } = fakeIo({ "typo.yaml": typo });
    expect(await runValidate(["typo.yaml"], { io })).toBe(0);
    expect(await runValidate(["typo.yaml"], { io, strict: true })).toBe(1);
    expect(out[1]).toBe(
      'typo.yaml:5:5: warning: regoin: unknown parameter "regoin" is ignored (parameter names are case-sensitive); did you mean "region"?\n',
    );
    expect(err[1]).toBe(
      "validate: 1 SecretProviderClass in 1 file: 0 errors, 1 warning (--strict: warnings fail)\n",
    );
    const clean = fakeIo({ "good.yaml": good });
    expect(await runValidate(["good.yaml"], { io: clean.io, strict: true })).toBe(0);
  });

  test("warns about a file without an AWS SecretProviderClass", async () => {
    const { io, out } = fakeIo({ "cm.yaml": "kind: ConfigMap\n" });
    expect(await runValidate(["cm.yaml"], { io })).toBe(0);
    expect(out).toEqual([
      'cm.yaml:1:1: warning: no SecretProviderClass with spec.provider "aws" in this file\n',
    ]);
  });

  test("an unreadable file is an error, and the other files are still checked", async () => {
    const { io, out } = fakeIo({ "bad.yaml": bad });
    expect(await runValidate(["missing.yaml", "bad.yaml"], { io })).toBe(1);
    expect(out[0]).toBe("missing.yaml: error: cannot read the file: ENOENT, open 'missing.yaml'\n");
    expect(out[1]).toStartWith("bad.yaml:7:21: error:");
  });

  test("walks a directory for *.yaml and *.yml files, sorted, skipping other and hidden entries", async () => {
    const { io, out, err } = fakeIo({
      "k8s/b/bad.yml": bad,
      "k8s/a.yaml": good,
      "k8s/deployment.yaml": "kind: Deployment\n",
      "k8s/notes.txt": "objects: nonsense",
      "k8s/.git/config.yaml": bad,
      "k8s/b/c/typo.yaml": typo,
    });
    expect(await runValidate(["k8s"], { io })).toBe(1);
    expect(out.map((line) => line.split(": ")[0])).toEqual([
      "k8s/b/bad.yml:7:21",
      "k8s/b/c/typo.yaml:5:5",
    ]);
    expect(err).toEqual(["validate: 3 SecretProviderClasses in 4 files: 1 error, 1 warning\n"]);
  });

  test("warns once about a directory without any AWS SecretProviderClass, not about each file", async () => {
    const { io, out } = fakeIo({
      "apps/a.yaml": "kind: Deployment\n",
      "apps/b.yaml": "kind: Service\n",
    });
    expect(await runValidate(["apps"], { io })).toBe(0);
    expect(out).toEqual([
      'apps:1:1: warning: no SecretProviderClass with spec.provider "aws" in this directory\n',
    ]);
  });

  test("--output json prints one report with every finding, its file and SecretProviderClass", async () => {
    const list = `kind: List
items:
- kind: SecretProviderClass
  metadata: {name: api, namespace: shop}
  spec:
    provider: aws
    parameters:
      objects: |
        - objectName: db
          objectType: nope
`;
    const { io, out } = fakeIo({ "all.yaml": list, "typo.yaml": typo });
    expect(await runValidate(["all.yaml", "typo.yaml", "gone.yaml"], { io, output: "json" })).toBe(
      1,
    );
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0] ?? "") as ValidateReport;
    expect(report).toEqual({
      files: ["all.yaml", "typo.yaml", "gone.yaml"],
      secretProviderClasses: 2,
      errors: 2,
      warnings: 1,
      passed: false,
      diagnostics: [
        {
          file: "all.yaml",
          line: 10,
          column: 23,
          severity: "error",
          message: expect.stringContaining('objects[0] ("db").objectType: "nope"'),
          secretProviderClass: { name: "api", namespace: "shop" },
        },
        {
          file: "typo.yaml",
          line: 5,
          column: 5,
          severity: "warning",
          message: expect.stringContaining('did you mean "region"?'),
        },
        {
          file: "gone.yaml",
          severity: "error",
          message: "cannot read the file: ENOENT, open 'gone.yaml'",
        },
      ],
    });
  });
});

describe("processIo", () => {
  test("tells files from directories and does not walk into symlinked directories", async () => {
    const dir = mkdtempSync(join(tmpdir(), "validate-io-"));
    try {
      mkdirSync(join(dir, "sub"));
      writeFileSync(join(dir, "sub", "a.yaml"), good);
      symlinkSync(join(dir, "sub", "a.yaml"), join(dir, "link.yaml"));
      symlinkSync(dir, join(dir, "loop"));
      expect(await processIo.kindOf(dir)).toBe("directory");
      expect(await processIo.kindOf(join(dir, "link.yaml"))).toBe("file");
      const entries = await processIo.readDirectory(dir);
      expect(entries.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: "link.yaml", kind: "file" },
        { name: "loop", kind: "other" },
        { name: "sub", kind: "directory" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
