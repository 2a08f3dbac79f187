import { describe, expect, test } from "bun:test";
import { checkFilePath, toFilePath } from "./to-file-path.ts";

describe("toFilePath()", () => {
  test("replaces every / with the translation character", () => {
    expect(toFilePath("/app/db/creds", { kind: "replace", with: "_" })).toBe("_app_db_creds");
    expect(toFilePath("app/db", { kind: "replace", with: "-" })).toBe("app-db");
  });

  test("keeps inner / and drops leading ones when translation is off", () => {
    expect(toFilePath("//app/db/creds", { kind: "keep" })).toBe("app/db/creds");
  });

  test("leaves names without / alone", () => {
    expect(toFilePath("creds.json", { kind: "replace", with: "_" })).toBe("creds.json");
    expect(toFilePath("creds.json", { kind: "keep" })).toBe("creds.json");
  });
});

describe("checkFilePath()", () => {
  test.each(["a", "a/b/c", "creds.json", ".hidden", "a/.b", "a..b", "é/ü", "x".repeat(255)])(
    "accepts the clean relative path %p",
    (path) => {
      expect(checkFilePath(path)).toBeUndefined();
    },
  );

  test.each([
    ["an empty path", "", "file path is empty"],
    ["a NUL byte", "a\0b", "contains a NUL byte"],
    ["a lone surrogate", "a\ud800", "is not valid Unicode"],
    ["an absolute path", "/etc/passwd", "must be relative"],
    ["a doubled /", "a//b", "empty element"],
    ["a trailing /", "a/", "empty element"],
    ["a . element", "a/./b", '"." or ".." element'],
    ["a lone .", ".", '"." or ".." element'],
    ["a .. element", "a/../b", '"." or ".." element'],
    ["a leading ..", "../b", '"." or ".." element'],
    ["a name starting with ..", "..data", 'must not start with ".."'],
    ["an element over 255 bytes", `a/${"x".repeat(256)}`, "longer than 255 bytes"],
    ["an element over 255 bytes in UTF-8 only", "é".repeat(128), "longer than 255 bytes"],
    [
      "a path over 4096 bytes",
      Array.from({ length: 20 }, () => "x".repeat(250)).join("/"),
      "more than the limit of 4096",
    ],
  ])("rejects %s", (_, path, message) => {
    expect(checkFilePath(path)).toContain(message);
  });

  test("quotes the offending path", () => {
    expect(checkFilePath("a/../b")).toBe('file path "a/../b" has a "." or ".." element');
  });
});
