import { describe, expect, test } from "bun:test";
import { flagSpecs, parseArgs, usageText } from "./cli.ts";

describe("parseArgs()", () => {
  test("reads --flag=value and --flag value", () => {
    const parsed = parseArgs(["--provider-volume=/tmp/p", "--qps", "7", "--log-level=debug"]);
    expect(parsed).toEqual({
      ok: true,
      command: "run",
      flags: { "provider-volume": "/tmp/p", qps: 7, "log-level": "debug" },
    });
  });

  test("accepts a bare boolean and Go's boolean spellings", () => {
    expect(parseArgs(["--driver-writes-secrets"])).toMatchObject({
      flags: { "driver-writes-secrets": true },
    });
    expect(parseArgs(["--driver-writes-secrets", "F"])).toMatchObject({
      flags: { "driver-writes-secrets": false },
    });
    expect(parseArgs(["--driver-writes-secrets=0"])).toMatchObject({
      flags: { "driver-writes-secrets": false },
    });
  });

  test("a bare boolean does not swallow the next flag", () => {
    expect(parseArgs(["--driver-writes-secrets", "--qps=3"])).toMatchObject({
      flags: { "driver-writes-secrets": true, qps: 3 },
    });
  });

  test("accepts single-dash flags like Go's flag package", () => {
    expect(parseArgs(["-burst=20"])).toMatchObject({ flags: { burst: 20 } });
  });

  test("parses Go durations for --mount-timeout", () => {
    expect(parseArgs(["--mount-timeout=1m30s"])).toMatchObject({
      flags: { "mount-timeout": 90_000 },
    });
  });

  test.each([
    [["--nope"], "unknown flag --nope"],
    [["--qps=abc"], "invalid value for --qps: must be an integer"],
    [["--qps=0"], "invalid value for --qps: must be at least 1"],
    [
      ["--log-level=verbose"],
      "invalid value for --log-level: must be one of debug, info, warn, error",
    ],
    [["--driver-writes-secrets=maybe"], "invalid value for --driver-writes-secrets"],
    [["--mount-timeout=10"], "invalid value for --mount-timeout"],
    [["--kube-api-url"], "flag --kube-api-url needs a value"],
    [["stray"], 'unexpected argument "stray"'],
  ])("rejects %p with a message naming the flag", (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  test("recognises --help and --version", () => {
    expect(parseArgs(["--help"])).toEqual({ ok: true, command: "help" });
    expect(parseArgs(["--qps=2", "--version"])).toEqual({ ok: true, command: "version" });
  });
});

describe("usageText()", () => {
  test("lists every flag with its default", () => {
    const text = usageText();
    for (const [name, spec] of Object.entries(flagSpecs)) {
      expect(text).toContain(`--${name}`);
      expect(text).toContain(`(default ${spec.defaultText === "" ? '""' : spec.defaultText})`);
    }
  });
});
