import { describe, expect, test } from "bun:test";
import { findLeaks } from "./test-bed.ts";

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
