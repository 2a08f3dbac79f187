import { describe, expect, test } from "bun:test";
import { parseGoBool } from "./parse-go-bool.ts";

describe("parseGoBool()", () => {
  test.each(["1", "t", "T", "true", "TRUE", "True"])("reads %p as true", (text) => {
    expect(parseGoBool(text)).toBe(true);
  });
  test.each(["0", "f", "F", "false", "FALSE", "False"])("reads %p as false", (text) => {
    expect(parseGoBool(text)).toBe(false);
  });
  test.each(["yes", "tRUE", "", " true", "toString", "__proto__"])("refuses %p", (text) => {
    expect(parseGoBool(text)).toBeUndefined();
  });
});
