import { describe, expect, test } from "bun:test";
import { defaultPodIdentityTimeoutMs } from "./aws/pod-identity-agent.ts";
import { flagSpecs, parseArgs, usageText } from "./cli.ts";
import { loadConfig } from "./config.ts";
import { parseDuration } from "./parse-duration.ts";

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

describe("parseArgs() validate", () => {
  test("takes the files and directories to check, '-' meaning stdin", () => {
    expect(parseArgs(["validate", "a.yaml", "-", "dir/b.yml", "manifests/"])).toEqual({
      ok: true,
      command: "validate",
      files: ["a.yaml", "-", "dir/b.yml", "manifests/"],
      strict: false,
      output: "text",
    });
  });

  test("takes --strict and --output in any position and spelling", () => {
    for (const args of [
      ["--strict", "--output=json", "a.yaml"],
      ["a.yaml", "--output", "json", "--strict"],
      ["-o", "json", "--strict=true", "a.yaml"],
    ]) {
      expect(parseArgs(["validate", ...args])).toEqual({
        ok: true,
        command: "validate",
        files: ["a.yaml"],
        strict: true,
        output: "json",
      });
    }
  });

  test("reads everything after -- as a path", () => {
    const parsed = parseArgs(["validate", "--", "--strict"]);
    expect(parsed).toMatchObject({ ok: true, files: ["--strict"], strict: false });
  });

  test("needs at least one path", () => {
    expect(parseArgs(["validate", "--strict"])).toEqual({
      ok: false,
      message: "validate needs at least one file or directory ('-' reads stdin)",
    });
  });

  test("rejects daemon flags, unknown flags and bad values, naming them", () => {
    expect(parseArgs(["validate", "--qps=3", "a.yaml"])).toEqual({
      ok: false,
      message: 'unknown validate flag "--qps=3": use --strict or --output text|json (see --help)',
    });
    expect(parseArgs(["validate", "--output=yaml", "a.yaml"])).toEqual({
      ok: false,
      message: 'invalid value for validate --output: must be one of text, json, got "yaml"',
    });
    expect(parseArgs(["validate", "a.yaml", "--output"])).toEqual({
      ok: false,
      message: "validate flag --output needs a value",
    });
    expect(parseArgs(["validate", "--strict=maybe", "a.yaml"]).ok).toBe(false);
    expect(parseArgs(["validate", "--help"])).toEqual({ ok: true, command: "help" });
  });

  test("is a command only in first position", () => {
    expect(parseArgs(["--qps=2", "validate"]).ok).toBe(false);
  });
});

describe("parseArgs() --metrics-address", () => {
  test.each([":8989", "127.0.0.1:0", "[::1]:9090", ""])("accepts %p", (address) => {
    const parsed = parseArgs([`--metrics-address=${address}`]);
    expect(parsed.ok && parsed.command === "run" && parsed.flags["metrics-address"]).toBe(address);
  });

  test("rejects an address without a port, naming the flag", () => {
    expect(parseArgs(["--metrics-address=8989"])).toEqual({
      ok: false,
      message:
        'invalid value for --metrics-address: must be host:port, :port or [ipv6]:port, got "8989"',
    });
  });
});

describe("usageText()", () => {
  test("shows the validate command, its flags and exit codes", () => {
    const text = usageText();
    expect(text).toContain("validate [--strict] [--output text|json] PATH…");
    expect(text).toContain(
      "Exit codes: 0 clean, 1 errors found (or warnings with --strict), 2 usage error.",
    );
  });

  test("every default shown is the one the provider applies without the flag", () => {
    const parsed = (args: string[]) => {
      const result = parseArgs(args);
      if (!result.ok || result.command !== "run") throw new Error(`not a run: ${args.join(" ")}`);
      return result.flags;
    };
    const withoutFlags = loadConfig(parsed([]), {});
    for (const [name, spec] of Object.entries(flagSpecs)) {
      // The in-cluster URL is built from the environment; --help shows where it comes from.
      if (name === "kube-api-url") continue;
      const withDefault = loadConfig(parsed([`--${name}=${spec.defaultText}`]), {});
      if (name === "pod-identity-http-timeout") {
        // Kept raw in Config and applied where the agent client is built.
        expect(parseDuration(spec.defaultText)).toBe(defaultPodIdentityTimeoutMs);
        continue;
      }
      expect({ [name]: withDefault }).toEqual({ [name]: withoutFlags });
    }
  });

  test("lists every flag with its default", () => {
    const text = usageText();
    for (const [name, spec] of Object.entries(flagSpecs)) {
      expect(text).toContain(`--${name}`);
      expect(text).toContain(`(default ${spec.defaultText === "" ? '""' : spec.defaultText})`);
    }
  });
});
