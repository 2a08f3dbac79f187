import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { mutatedSimpleYaml, simpleYaml, yamlish } from "../../test/helpers/spc-arbitraries.ts";
import { parseSimpleYaml } from "./parse-simple-yaml.ts";

/**
 * What the SPC rules read of a node, as a plain value: kind, scalar value (with its JavaScript
 * type) and source text, and the start offset of every node.
 */
function describeTree(node: unknown): unknown {
  if (isScalar(node)) {
    return {
      scalar: node.value,
      type: typeof node.value,
      source: node.source,
      at: node.range?.[0],
    };
  }
  if (isMap(node)) {
    return {
      map: node.items.map((pair) => [describeTree(pair.key), describeTree(pair.value)]),
      at: node.range?.[0],
    };
  }
  if (isSeq(node)) return { seq: node.items.map(describeTree), at: node.range?.[0] };
  return { other: String(node) };
}

/** The library's reading, as the SPC rules get it (no errors, no warnings), or why not. */
function libraryTree(source: string): unknown {
  const doc = parseDocument(source, { prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return "the library finds a problem";
  return describeTree(doc.contents);
}

const limit = 125_000;

/** Checks one document: when the simple parser takes it, it reads exactly what the library does. */
function expectSameReading(source: string): boolean {
  const simple = parseSimpleYaml(source, limit);
  if (simple === undefined) return false;
  expect({ source, tree: describeTree(simple) }).toEqual({ source, tree: libraryTree(source) });
  return true;
}

/** Checks `runs` documents of `documents`. @returns how many the simple parser took */
function countTaken(documents: fc.Arbitrary<string>, runs: number, seed: number): number {
  let taken = 0;
  fc.assert(
    fc.property(documents, (source) => {
      if (expectSameReading(source)) taken++;
    }),
    { numRuns: runs, seed },
  );
  return taken;
}

describe("parseSimpleYaml()", () => {
  test("reads the usual shapes exactly as the YAML library does", () => {
    const source = [
      "# the usual SPC",
      "- objectName: db/creds",
      "  objectType: secretsmanager",
      "  jmesPath:",
      "    - path: username",
      "      objectAlias: user",
      "  failoverObject:",
      "    objectName: arn:aws:secretsmanager:us-west-2:111122223333:secret:db/creds",
      "- {objectName: \"/app/param\", objectType: ssmparameter, objectAlias: 'it''s'} # one line",
      "- objectName: x",
      "  jmesPath: [{path: a, objectAlias: b}]",
      "",
    ].join("\n");
    expect(expectSameReading(source)).toBe(true);
  });

  test("generated documents of the subset are taken, and read as the library reads them", () => {
    // Most are inside the subset (the rest the generator makes invalid): not a vacuous check.
    expect(countTaken(simpleYaml, 3000, 14)).toBeGreaterThan(2000);
  });

  test("mutated documents: whatever is taken reads as the library reads it", () => {
    expect(countTaken(mutatedSimpleYaml, 6000, 15)).toBeGreaterThan(500);
  });

  test("the SPC fuzzers' YAML-ish text: whatever is taken reads as the library reads it", () => {
    countTaken(yamlish, 4000, 16);
  });

  test.each([
    ["a tab", "- objectName:\ta\n"],
    ["a number", "- objectName: 3\n"],
    ["a boolean", "- objectName: true\n"],
    ["an empty value", "- objectName:\n  objectType: ssm\n"],
    ["an escape", '- objectName: "a\\tb"\n'],
    ["a multi-line scalar", "- objectName: a\n    b\n"],
    ["an anchor", "- &x objectName: a\n"],
    ["a block scalar", "- objectName: |\n    a\n"],
    ["a map at the top", "objectName: a\n"],
    ["a document marker", "---\n- objectName: a\n"],
    ["nesting past the depth", "- a: [[[[[[x]]]]]]\n"],
  ])("leaves %s to the library", (_name, source) => {
    expect(parseSimpleYaml(source, limit)).toBeUndefined();
  });

  test("counts nodes as the library path counts tokens: past the limit it leaves the text to it", () => {
    // Per item: `-`, and per pair `:` and two scalars; so 4 per one-field item.
    const source = "- objectName: a\n".repeat(10);
    expect(parseSimpleYaml(source, 40)).toBeDefined();
    expect(parseSimpleYaml(source, 39)).toBeUndefined();
  });
});
