import { describe, expect, test } from "bun:test";
import { ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";
import { Code, ProviderError } from "./errors.ts";
import { createLogger } from "./log.ts";
import { Redacted } from "./redacted.ts";

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const log = createLogger({
    ...options,
    write: (line) => lines.push(line),
    now: () => new Date(0),
  });
  return { log, lines };
}

describe("createLogger()", () => {
  test("writes one JSON object per line with bound fields", () => {
    const { log, lines } = capture();
    log.child({ pod: "p" }).info("hello", { count: 2 });
    expect(lines).toEqual([
      `${JSON.stringify({ time: "1970-01-01T00:00:00.000Z", level: "info", msg: "hello", pod: "p", count: 2 })}\n`,
    ]);
  });

  test("drops lines below the level", () => {
    const { log, lines } = capture({ level: "warn" });
    log.info("no");
    log.debug("no");
    log.warn("yes");
    expect(lines).toHaveLength(1);
  });

  test("prints redacted values, bytes and nested redacted values as placeholders", () => {
    const { log, lines } = capture({ level: "debug" });
    log.debug("x", {
      token: new Redacted("eyJhbGciOi"),
      nested: { key: new Redacted("s3cr3t") },
      data: new Uint8Array(5),
    });
    expect(lines[0]).not.toContain("eyJhbGciOi");
    expect(lines[0]).not.toContain("s3cr3t");
    expect(lines[0]).toContain("[5 bytes]");
  });

  test("prints errors with their cause chain", () => {
    const { log, lines } = capture();
    log.error("failed", { error: new Error("outer", { cause: new Error("inner") }) });
    const entry = JSON.parse(lines[0] ?? "{}");
    expect(entry.error.message).toBe("outer");
    expect(entry.error.cause.message).toBe("inner");
  });

  test("text format is one readable line", () => {
    const { log, lines } = capture({ format: "text" });
    log.warn("careful", { where: "objects[0]" });
    expect(lines).toEqual(['1970-01-01T00:00:00.000Z WARN  careful where="objects[0]"\n']);
  });
});

describe("toLogValue() redaction", () => {
  test("an AWS SDK service error prints only safe fields, never its $response", () => {
    const error = new ResourceNotFoundException({
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400, requestId: "req-123" },
    });
    Object.assign(error, {
      $response: {
        statusCode: 400,
        body: "sdk-body-secret-1",
        headers: { authorization: "sig-9" },
      },
      extra: "sdk-extra-secret-2",
    });
    const { log, lines } = capture({ level: "debug" });
    log.debug("Mount failure cause", { error: new Error("wrapped", { cause: error }) });
    const entry = JSON.parse(lines[0] ?? "{}");
    expect(entry.error.cause).toEqual({
      name: "ResourceNotFoundException",
      message: "Secrets Manager can't find the specified secret.",
      fault: "client",
      httpStatusCode: 400,
      requestId: "req-123",
    });
    for (const secret of ["sdk-body-secret-1", "sig-9", "sdk-extra-secret-2"]) {
      expect(lines[0]).not.toContain(secret);
    }
  });

  test("an error from parsing an AWS response withholds its message and stack", () => {
    let parseError: Error = new Error("unreachable");
    try {
      JSON.parse('{"SecretString": leakedSecretValue3}');
    } catch (error) {
      parseError = error as Error;
    }
    expect(parseError.message).toContain("leakedSecretValue3");
    Object.defineProperty(parseError, "$responseBodyText", { value: "whole body" });
    Object.defineProperty(parseError, "$response", { value: { body: "whole body" } });
    const { log, lines } = capture({ level: "debug" });
    log.error("failed", { error: parseError });
    expect(lines[0]).not.toContain("leakedSecretValue3");
    expect(JSON.parse(lines[0] ?? "{}").error.message).toContain("message withheld");
  });

  test("keys that name secrets, tokens or credentials are redacted at any depth and in text", () => {
    const { log, lines } = capture({ level: "debug", format: "text" });
    log.debug("x", {
      request: {
        secrets: '{"password":"pw-secret-4"}',
        attributes: { "csi.storage.k8s.io/serviceAccount.tokens": "tok-secret-5" },
        credentials: {
          accessKeyId: "AKIA1",
          SecretAccessKey: "sak-secret-6",
          sessionToken: "st-7",
        },
        Authorization: "Bearer abc-secret-8",
        secretProviderClass: "kept-spc",
        objectName: "kept-name",
      },
    });
    for (const secret of ["pw-secret-4", "tok-secret-5", "sak-secret-6", "st-7", "abc-secret-8"]) {
      expect(lines[0]).not.toContain(secret);
    }
    expect(lines[0]).toContain("kept-spc");
    expect(lines[0]).toContain("kept-name");
  });

  test("a ProviderError keeps its code and reason; a transport error its code", () => {
    const { log, lines } = capture();
    log.error("x", {
      error: new ProviderError(Code.NotFound, "gone", {
        reason: "SecretNotFound",
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      }),
    });
    const entry = JSON.parse(lines[0] ?? "{}");
    expect(entry.error).toMatchObject({ code: "NOT_FOUND", reason: "SecretNotFound" });
    expect(entry.error.cause.code).toBe("ECONNREFUSED");
  });
});

describe("log lines stay bounded", () => {
  test("a huge error message, a long list and a wide object are cut, and the line stays JSON", () => {
    let line = "";
    const log = createLogger({ write: (text) => (line = text) });
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    log.error("Mount failed", {
      error: "x".repeat(3_000_000),
      cause: new Error("y".repeat(1_000_000)),
      list: Array.from({ length: 10_000 }, (_, i) => i),
      wide,
    });
    expect(line.length).toBeLessThan(40_000);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(String(entry["error"])).toEndWith("characters cut]");
    expect((entry["list"] as unknown[]).at(-1)).toBe("[… 9950 more]");
    expect(Object.keys(entry["wide"] as object)).toHaveLength(51);
  });
});
