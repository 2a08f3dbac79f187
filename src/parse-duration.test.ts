import { describe, expect, test } from "bun:test";
import { parseDuration } from "./parse-duration.ts";

describe("parseDuration()", () => {
  test.each([
    ["250ms", 250],
    ["2s", 2000],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["0", 0],
    ["100us", 0.1],
  ])("reads %p as %p ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "10", "-1s", "1x", "s", "1s garbage", "1 s"])("rejects %p", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
