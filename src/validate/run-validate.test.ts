import { describe, expect, test } from "bun:test";
import { runValidate, type ValidateIo } from "./run-validate.ts";

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

function fakeIo(files: Record<string, string>, stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  const io: ValidateIo = {
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    readStdin: async () => stdin,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  };
  return { io, out, err };
}

describe("runValidate()", () => {
  test("prints file:line:column: severity: message and exits 1 on an error", async () => {
    const { io, out, err } = fakeIo({ "good.yaml": good, "bad.yaml": bad });
    expect(await runValidate(["good.yaml", "bad.yaml"], io)).toBe(1);
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
    expect(await runValidate(["-"], io)).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(/^<stdin>:6:\d+: warning: objects\[0\] \("db"\)\.objectAliass/),
    ]);
  });

  test("warns about a file without an AWS SecretProviderClass", async () => {
    const { io, out } = fakeIo({ "cm.yaml": "kind: ConfigMap\n" });
    expect(await runValidate(["cm.yaml"], io)).toBe(0);
    expect(out).toEqual([
      'cm.yaml:1:1: warning: no SecretProviderClass with spec.provider "aws" in this file\n',
    ]);
  });

  test("an unreadable file is an error, and the other files are still checked", async () => {
    const { io, out } = fakeIo({ "bad.yaml": bad });
    expect(await runValidate(["missing.yaml", "bad.yaml"], io)).toBe(1);
    expect(out[0]).toBe(
      "missing.yaml: error: cannot read the file: ENOENT: no such file or directory, open 'missing.yaml'\n",
    );
    expect(out[1]).toStartWith("bad.yaml:7:21: error:");
  });
});
