import { describe, expect, test } from "bun:test";
import { joinWithin } from "./join-within.ts";

const more = (omitted: number) => `… and ${omitted} more`;
const bytes = (text: string) => new TextEncoder().encode(text).length;

describe("joinWithin()", () => {
  test("joins everything that fits, unchanged", () => {
    expect(joinWithin(["a", "b", "c"], { more })).toBe("a\nb\nc");
  });

  test("stops at maxBytes with a tail naming how many were left out, the tail included", () => {
    const items = Array.from(
      { length: 10_000 },
      (_, i) => `objects[${i}] "secret-${i}": not found`,
    );
    const joined = joinWithin(items, { maxBytes: 4096, more });
    expect(bytes(joined)).toBeLessThanOrEqual(4096);
    const lines = joined.split("\n");
    expect(lines[0]).toBe(items[0]);
    expect(lines.at(-1)).toBe(`… and ${10_000 - (lines.length - 1)} more`);
    expect(lines.length).toBeGreaterThan(50);
  });

  test("stops at maxItems", () => {
    expect(joinWithin(["a", "b", "c", "d"], { maxItems: 2, more, separator: "; " })).toBe(
      "a; b; … and 2 more",
    );
  });

  test("cuts a long item at maxItemBytes without splitting a character", () => {
    const joined = joinWithin([`x${"é".repeat(5000)}`], { maxItemBytes: 100, more });
    expect(bytes(joined)).toBeLessThanOrEqual(100);
    expect(joined.endsWith("é…")).toBe(true);
    expect(joined).not.toContain("\uFFFD");
  });

  test("the last item is kept when it alone fits, without a tail", () => {
    expect(joinWithin(["aaaa", "bbbb"], { maxBytes: 9, more })).toBe("aaaa\nbbbb");
  });
});
