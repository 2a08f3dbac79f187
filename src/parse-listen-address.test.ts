import { describe, expect, test } from "bun:test";
import { parseListenAddress, toHostPort } from "./parse-listen-address.ts";

describe("parseListenAddress()", () => {
  test.each([
    [":8989", { host: undefined, port: 8989 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["localhost:9090", { host: "localhost", port: 9090 }],
    ["[::1]:8989", { host: "::1", port: 8989 }],
    ["[::]:65535", { host: "::", port: 65535 }],
  ])("reads %s", (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  test.each(["8989", "", ":", "host:", ":65536", "::1:8989", "a b:80", "[::1]", ":-1"])(
    "rejects %p",
    (text) => {
      expect(parseListenAddress(text)).toBeUndefined();
    },
  );
});

describe("toHostPort()", () => {
  test("brackets IPv6 hosts only", () => {
    expect(toHostPort("::1", 80)).toBe("[::1]:80");
    expect(toHostPort("10.0.0.1", 80)).toBe("10.0.0.1:80");
  });
});
