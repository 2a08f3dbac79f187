import { describe, expect, test } from "bun:test";
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
