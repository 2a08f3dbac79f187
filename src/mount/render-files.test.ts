import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { compileJmesPath } from "../spc/jmes/compile-jmes-path.ts";
import type { JmesPathEntry, SecretDescriptor } from "../spc/secret-descriptor.ts";
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

const jmes = (path: string, filePath: string, mode = 0o644): JmesPathEntry => ({
  path,
  expression: compileJmesPath(path),
  filePath,
  mode,
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
      jmesPath: [jmes("username", "user"), jmes('"pass-word"', "pass", 0o400)],
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
      jmesPath: [jmes("port", "port"), jmes("missing", "m")],
    });
    const notJson = descriptor({
      index: 1,
      objectName: "raw",
      filePath: "raw",
      jmesPath: [jmes("a", "x")],
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
        'objects[0] ("db").jmesPath[0].path: "port" must select a string, but selects a number',
      );
      expect(message).toContain(
        'objects[0] ("db").jmesPath[1].path: "missing" must select a string, but selects nothing',
      );
      expect(message).toContain(
        'objects[1] ("raw").jmesPath: is set but the value is not a JSON document',
      );
      expect(message).not.toContain("hunter2");
    }
  });
});

describe("renderFiles() budget", () => {
  const mib = 1024 * 1024;
  const secret = '{"password":"correct-horse-battery"}';
  const doublings = (count: number, step = "[@,@]") => Array(count).fill(step).join(" | ");

  function renderError(entries: JmesPathEntry[], options = { maxResponseBytes: 4 * mib }) {
    try {
      renderFiles([fetched(descriptor({ jmesPath: entries }), secret)], options);
    } catch (error) {
      if (error instanceof ProviderError) return error;
      throw error;
    }
    throw new Error("expected a failure");
  }

  test("refuses an output past the answer limit before building it: RESOURCE_EXHAUSTED naming the limit", () => {
    const path = `${doublings(26)} | to_string(@)`;
    const error = renderError([jmes(path, "big"), jmes("password", "pw")]);
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.reason).toBe("JmesPathTooLarge");
    // What is left once the object's own file and the entry's path are counted.
    const left = 4 * mib - (secret.length + 2 * "db".length + 16) - (2 * "big".length + 16);
    expect(error.message).toBe(
      "Cannot extract jmesPath values:\n" +
        `objects[0] ("db").jmesPath[0].path: evaluating ${JSON.stringify(`${path.slice(0, 80)}…`)} would produce more than ${left} bytes, what is left of the driver's answer limit of ${4 * mib} bytes\n` +
        "(the remaining jmesPath entries were not evaluated)",
    );
  });

  test("without an answer limit (provider writes), the Mount's text budget applies", () => {
    const error = renderError([jmes(`${doublings(26)} | to_string(@)`, "big")], {
      maxResponseBytes: undefined as never,
    });
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.message).toContain(
      `would produce more than ${4 * mib} bytes, the limit of text the jmesPath expressions of one Mount may build`,
    );
  });

  test("work past the Mount's steps is RESOURCE_EXHAUSTED too, and no value appears", () => {
    const error = renderError([jmes(doublings(24, "[@,@][]"), "big")]);
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.message).toContain(
      "needs more than 500000 steps of work, the limit for the jmesPath expressions of one Mount",
    );
    expect(error.message).not.toContain("horse");
  });

  test("one budget for all objects of a Mount: many expensive entries cannot add up", () => {
    const entries = Array.from({ length: 40 }, (_, i) => jmes(doublings(14, "[@,@][]"), `f${i}`));
    const error = renderError(entries);
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.message.split("\n").filter((line) => line.includes("steps"))).toHaveLength(1);
  });

  test("a selected string larger than what is left of the answer is refused", () => {
    const big = JSON.stringify({ a: "x".repeat(3 * mib) });
    const d = descriptor({ jmesPath: [jmes("a", "a")] });
    let caught: unknown;
    try {
      renderFiles([fetched(d, big)], { maxResponseBytes: 4 * mib });
    } catch (error) {
      caught = error;
    }
    expect((caught as ProviderError).code).toBe(Code.ResourceExhausted);
    expect((caught as ProviderError).message).toContain(`"a" selects ${3 * mib} bytes, more than `);
  });

  test("fetched values past the answer limit fail before any JSON is parsed", () => {
    const values = Array.from({ length: 5 }, (_, i) =>
      fetched(
        descriptor({ index: i, filePath: `v${i}`, jmesPath: [jmes("a", `a${i}`)] }),
        "x".repeat(mib),
      ),
    );
    let caught: unknown;
    try {
      renderFiles(values, { maxResponseBytes: 4 * mib });
    } catch (error) {
      caught = error;
    }
    expect((caught as ProviderError).code).toBe(Code.ResourceExhausted);
    expect((caught as ProviderError).reason).toBe("ResponseTooLarge");
  });

  test("lists the first jmesPath problems within a few KiB, then how many more", () => {
    const entries = Array.from({ length: 60 }, (_, i) => jmes("missing", `m${i}`));
    const error = renderError(entries);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(new TextEncoder().encode(error.message).length).toBeLessThanOrEqual(4096);
    const lines = error.message.split("\n");
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.at(-1)).toBe(`… and ${60 - (lines.length - 2)} more jmesPath problems`);
  });
});
