import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findLeaks, startTestBed } from "./test-bed.ts";

describe("findLeaks()", () => {
  test("finds a sensitive value anywhere in the output without repeating it", () => {
    const leaks = findLeaks('{"msg":"x","detail":"token=eyJhbGciOiJSUzI1NiJ9.payload"}', [
      "eyJhbGciOiJSUzI1NiJ9.payload",
      "absent-value",
    ]);
    expect(leaks).toEqual(['28-character value starting "eyJ…"']);
  });

  test("ignores values too short to be meaningful", () => {
    expect(findLeaks("a b c info", ["info"])).toEqual([]);
  });
});

describe("startTestBed()", () => {
  // A TMPDIR of these tests' own, so beds of other test runs on the machine do not count.
  const ownTmp = mkdtempSync(join(tmpdir(), "test-bed-cleanup-"));
  const previousTmp = process.env["TMPDIR"];
  beforeAll(() => {
    process.env["TMPDIR"] = ownTmp;
  });
  afterAll(() => {
    if (previousTmp === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previousTmp;
    rmSync(ownTmp, { recursive: true, force: true });
  });
  const bedDirs = () => readdirSync(ownTmp);

  test.each([
    ["in-process", "bad flags", ["--qps=many"]],
    ["source", "a provider that exits at start-up", ["--log-level=loud"]],
  ] as const)("in %s mode, %s leave no temp dir behind and reject", async (mode, _what, flags) => {
    expect(tmpdir()).toBe(ownTmp);
    const started = startTestBed({ mode, flags: [...flags] });
    await expect(started).rejects.toThrow();
    expect(bedDirs()).toEqual([]);
  });
});
