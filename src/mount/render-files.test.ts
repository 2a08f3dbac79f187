import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import type { SecretDescriptor } from "../spc/secret-descriptor.ts";
import type { FetchedSecret } from "./fetch-secrets.ts";
import { renderFiles } from "./render-files.ts";

const descriptor = (overrides: Partial<SecretDescriptor> = {}): SecretDescriptor => ({
  index: 0,
  objectType: "secretsmanager",
  objectName: "db",
  objectAlias: undefined,
  objectVersion: undefined,
  objectVersionLabel: undefined,
  filePath: "db",
  mode: 0o644,
  jmesPath: [],
  failoverObject: undefined,
  ...overrides,
});

const fetched = (d: SecretDescriptor, text: string, version = "v1"): FetchedSecret => ({
  descriptor: d,
  bytes: new Redacted(new TextEncoder().encode(text)),
  version,
  region: "us-east-1",
});

const text = (bytes: Redacted<Uint8Array>) => new TextDecoder().decode(bytes.reveal());

describe("renderFiles()", () => {
  test("one file and one version per object, in order", () => {
    const rendered = renderFiles([
      fetched(descriptor({ filePath: "b", mode: 0o600 }), "B", "vb"),
      fetched(descriptor({ index: 1, filePath: "a" }), "A", "va"),
    ]);
    expect(rendered.files.map((f) => [f.path, f.mode, text(f.contents)])).toEqual([
      ["b", 0o600, "B"],
      ["a", 0o644, "A"],
    ]);
    expect(rendered.objectVersions).toEqual([
      { id: "b", version: "vb" },
      { id: "a", version: "va" },
    ]);
  });

  test("jmesPath entries become files with the parent's version, quoted hyphenated keys work", () => {
    const d = descriptor({
      jmesPath: [
        { path: "username", filePath: "user", mode: 0o644 },
        { path: '"pass-word"', filePath: "pass", mode: 0o400 },
      ],
    });
    const rendered = renderFiles([fetched(d, '{"username":"alice","pass-word":"pw"}', "v7")]);
    expect(rendered.files.map((f) => [f.path, f.mode, text(f.contents)])).toEqual([
      ["db", 0o644, '{"username":"alice","pass-word":"pw"}'],
      ["user", 0o644, "alice"],
      ["pass", 0o400, "pw"],
    ]);
    expect(rendered.objectVersions.map((v) => v.version)).toEqual(["v7", "v7", "v7"]);
  });

  test("reports every jmesPath problem without printing the value", () => {
    const d = descriptor({
      jmesPath: [
        { path: "port", filePath: "port", mode: 0o644 },
        { path: "missing", filePath: "m", mode: 0o644 },
      ],
    });
    const notJson = descriptor({
      index: 1,
      objectName: "raw",
      filePath: "raw",
      jmesPath: [{ path: "a", filePath: "x", mode: 0o644 }],
    });
    try {
      renderFiles([
        fetched(d, '{"port":5432,"secretish":"hunter2"}'),
        fetched(notJson, "hunter2-plain"),
      ]);
      throw new Error("expected a failure");
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderError);
      const { code, message } = error as ProviderError;
      expect(code).toBe(Code.InvalidArgument);
      expect(message).toContain(
        'objects[0] "db".jmesPath[0].path "port" must select a string, but selects a number',
      );
      expect(message).toContain(
        'objects[0] "db".jmesPath[1].path "missing" must select a string, but selects nothing',
      );
      expect(message).toContain(
        'objects[1] "raw": jmesPath is set but the value is not a JSON document',
      );
      expect(message).not.toContain("hunter2");
    }
  });
});
