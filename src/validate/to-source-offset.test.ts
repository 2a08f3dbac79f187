import { describe, expect, test } from "bun:test";
import { isScalar, parseDocument, type Scalar } from "yaml";
import { toSourceOffset } from "./to-source-offset.ts";

/** The `objects` scalar of a one-key document, and the source. */
function objectsOf(source: string): Scalar {
  const node = parseDocument(source).get("objects", true);
  if (!isScalar(node)) throw new Error("objects is not a scalar");
  return node;
}

/** Where `needle` (inside the value) lands in the source, via the mapping. */
function mapped(source: string, needle: string): string {
  const node = objectsOf(source);
  const offset = toSourceOffset(source, node, String(node.value).indexOf(needle));
  return offset === undefined ? "(none)" : source.slice(offset, offset + needle.length);
}

describe("toSourceOffset()", () => {
  test.each([
    ["|", "objects: |\n  - objectName: a\n    objectType: bad\n"],
    ["|-", "objects: |-\n    - objectName: a\n      objectType: bad\n"],
    ["|+ with a comment", "objects: |+ # c\n   - objectName: a\n     objectType: bad\n\n"],
    ["|2 with a blank line", "objects: |2\n   - objectName: a\n\n     objectType: bad\n"],
    ["CRLF", "objects: |\r\n  - objectName: a\r\n    objectType: bad\r\n"],
  ])("is exact inside a literal block (%s)", (_, source) => {
    expect(mapped(source, "bad")).toBe("bad");
  });

  test("keeps deeper indentation of a line inside the block", () => {
    const source =
      "objects: |\n  - objectName: a\n    jmesPath:\n      - path: p\n        objectAlias: zz\n";
    expect(mapped(source, "zz")).toBe("zz");
  });

  test.each([
    ["plain", "objects: not a list but bad\n"],
    ["double-quoted", 'objects: "- {objectName: a, objectType: bad}"\n'],
    ["single-quoted", "objects: '- {objectName: a, objectType: bad}'\n"],
  ])("is exact in a one-line %s scalar", (_, source) => {
    expect(mapped(source, "bad")).toBe("bad");
  });

  test.each([
    ["a folded block", "objects: >\n  - objectName: a\n    objectType: bad\n"],
    ["a quoted scalar with escapes", 'objects: "- {objectName: \\"a\\", objectType: bad}"\n'],
  ])("gives up on %s", (_, source) => {
    expect(mapped(source, "bad")).toBe("(none)");
  });

  test("rejects offsets outside the value", () => {
    const source = "objects: |\n  - a\n";
    expect(toSourceOffset(source, objectsOf(source), 999)).toBeUndefined();
    expect(toSourceOffset(source, objectsOf(source), -1)).toBeUndefined();
  });
});
