import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkFilePath } from "../../src/spc/to-file-path.ts";
import {
  arnPartsProperty,
  arnTextProperty,
  filePathProperty,
  isSafeRelativePath,
  jmesProperty,
  permissionProperty,
} from "./fuzz-properties.ts";

/** Runs per property: small and seeded here, `FUZZ_RUNS` in the soak. */
const numRuns = Number(process.env["FUZZ_RUNS"] ?? "") || 1000;

describe("fuzzed file names", () => {
  test("toFilePath() never throws and checkFilePath() agrees with the path rules on every name", () => {
    fc.assert(filePathProperty, { numRuns, seed: 7_000_001 });
  });

  test("the independent path rules refuse each kind of escape (so the agreement means something)", () => {
    for (const path of [
      "",
      "/a",
      "a/../b",
      "..",
      "..a",
      "a//b",
      "a/",
      "./a",
      "a\0",
      "\ud800",
      "a/.",
    ]) {
      expect({ path, safe: isSafeRelativePath(path) }).toEqual({ path, safe: false });
      expect(checkFilePath(path)).toBeString();
    }
    for (const path of ["a", "a/b", "a..b", ".a", "a/.b", "é/🔑"]) {
      expect({ path, safe: isSafeRelativePath(path) }).toEqual({ path, safe: true });
      expect(checkFilePath(path)).toBeUndefined();
    }
  });
});

describe("fuzzed ARNs", () => {
  test("parseArn() never throws and only accepts text that reassembles from its parts", () => {
    fc.assert(arnTextProperty, { numRuns, seed: 7_000_002 });
  });

  test("parseArn() returns exactly the parts of every well-formed ARN", () => {
    fc.assert(arnPartsProperty, { numRuns, seed: 7_000_003 });
  });
});

describe("fuzzed permission", () => {
  test("readRequest() turns permission into its JSON integer 0–0777 or refuses it naming the field", () => {
    fc.assert(permissionProperty, { numRuns, seed: 7_000_004 });
  });
});

describe("fuzzed JMES paths and JSON values", () => {
  test("renderFiles() extracts exactly what jmespath selects or fails INVALID_ARGUMENT without quoting values", () => {
    fc.assert(jmesProperty, { numRuns, seed: 7_000_005 });
  });
});
