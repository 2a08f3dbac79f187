import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Code, ProviderError } from "../errors.ts";
import { checkSpc, readSpc } from "./read-spc.ts";
import { spcLimits } from "./spc-limits.ts";

const options = { defaultMode: 0o644, awsRegion: undefined };
const sm = (name: string, extra = "") =>
  `- {objectName: "${name}", objectType: secretsmanager${extra}}`;

/** The problems of an SPC whose `objects` is `objects`, and how long checking took. */
function check(objects: string, parameters: Record<string, string> = {}) {
  const started = performance.now();
  const report = checkSpc({ region: "us-east-1", objects, ...parameters }, options);
  return { ...report, ms: performance.now() - started };
}

/**
 * Bounds are generous for a loaded 2-core machine; each attack took seconds to minutes (or
 * GiBs) before the limits, as noted.
 */
const quickMs = 3000;

describe("spcLimits, as readSpc enforces them", () => {
  test("objects YAML longer than 1.5 MiB (in UTF-8 bytes) is refused before parsing", () => {
    // Fewer characters than the limit, but more bytes.
    const objects = `# ${"é".repeat(spcLimits.objectsYamlBytes / 2)}\n${sm("a")}`;
    expect(objects.length).toBeLessThan(spcLimits.objectsYamlBytes);
    const { problems, ms } = check(objects);
    expect(problems).toEqual([
      {
        where: "objects",
        message: `is ${Buffer.byteLength(objects)} bytes long, more than the limit of ${spcLimits.objectsYamlBytes} bytes (what Kubernetes stores in one object): split the objects over several SecretProviderClasses`,
      },
    ]);
    expect(ms).toBeLessThan(quickMs);
  });

  test("1 MB of nested brackets is refused at the 65th level, before the document is built", () => {
    // Before: 2 MB of `[[[` took 1 GiB and 1.5 s.
    const { problems, ms } = check("[".repeat(1_000_000));
    expect(problems.map((p) => p.message)).toEqual([
      `nests YAML collections more than ${spcLimits.yamlDepth} levels deep, the limit`,
    ]);
    expect(ms).toBeLessThan(quickMs);
    expect(check(`- ${"[".repeat(40)}a${"]".repeat(40)}`).problems[0]?.message).toStartWith(
      "must be a map",
    );
  });

  test("compact block sequences count as nesting too", () => {
    const { problems } = check("- ".repeat(200_000));
    expect(problems[0]?.message).toContain("levels deep, the limit");
  });

  test(`more than ${spcLimits.yamlNodes} YAML nodes are refused while parsing`, () => {
    const { problems, ms } = check(`[${"a,".repeat(spcLimits.yamlNodes)}]`);
    expect(problems.map((p) => p.message)).toEqual([
      `has more than ${spcLimits.yamlNodes} YAML nodes, the limit: split the objects over several SecretProviderClasses`,
    ]);
    expect(ms).toBeLessThan(quickMs * 2);
  });

  test("a flood of syntax errors stops at the hundredth", () => {
    // Before: 1.5 MB of `]` made 1.5 million errors in 9 s.
    const { problems, ms } = check("]".repeat(1_000_000));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toStartWith(
      "is not valid YAML: more than 100 syntax errors, the first: Unexpected flow-seq-end token",
    );
    expect(ms).toBeLessThan(quickMs);
  });

  test("a map of 40,000 keys is checked for duplicates in linear time", () => {
    // Before: the YAML library compared each key with every earlier one: 16 s.
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: a`).join(", ");
    const { problems, warnings, ms } = check(
      `- {objectName: a, objectType: secretsmanager, ${keys}}`,
    );
    expect(problems).toEqual([]);
    expect(warnings).toHaveLength(spcLimits.warnings + 1);
    expect(ms).toBeLessThan(quickMs * 2);
  });

  test("keeps 20 warnings, counts the rest, and computes no suggestion for them", () => {
    const keys = Array.from({ length: 25 }, (_, i) => `objectNme${i}: x`).join(", ");
    const { warnings } = check(`- {objectName: a, objectType: secretsmanager, ${keys}}`);
    expect(warnings).toHaveLength(21);
    expect(warnings[0]?.message).toBe(
      'unknown field "objectNme0" is ignored; did you mean "objectName"?',
    );
    expect(warnings[20]).toEqual({ where: "objects", message: "and 5 more warnings" });
  });

  test("cuts a long unknown field name in where, as in the message", () => {
    const name = "x".repeat(10_000);
    const { warnings } = check(`- {objectName: a, objectType: secretsmanager, ${name}: 1}`);
    expect(warnings[0]?.where).toBe(`objects[0] ("a").${"x".repeat(80)}…`);
    expect(warnings[0]?.message.length).toBeLessThan(300);
  });

  test("an alias bomb is refused by counting the nodes the aliases stand for", () => {
    const levels = Array.from({ length: 10 }, (_, i) =>
      i === 0
        ? "- &a0 {objectName: a, objectType: secretsmanager}"
        : `- &a${i} [${`*a${i - 1}, `.repeat(9)}*a${i - 1}]`,
    );
    const { problems, ms } = check(levels.join("\n"));
    expect(problems).toEqual([
      {
        where: "objects",
        message: expect.stringMatching(
          new RegExp(
            `^stands for \\d+ YAML nodes once its aliases are expanded, more than the limit of ${spcLimits.yamlNodes}$`,
          ),
        ) as never,
      },
    ]);
    expect(ms).toBeLessThan(quickMs);
  });

  test("aliases reused by many objects count for every use", () => {
    const big = Array.from({ length: 300 }, (_, i) => `x${i}: 1`).join(", ");
    const objects = `- &o {objectName: a, objectType: secretsmanager, ${big}}\n${"- *o\n".repeat(1000)}`;
    expect(check(objects).problems[0]?.message).toContain("once its aliases are expanded");
    // Ordinary reuse (merge keys, shared jmesPath lists) stays well within it.
    const shared = `- &base {objectName: a, objectType: secretsmanager, objectAlias: a}\n${Array.from(
      { length: 100 },
      (_, i) => `- {<<: *base, objectAlias: a${i}}`,
    ).join("\n")}`;
    expect(check(shared).problems).toEqual([]);
  });

  test("an alias to the node that contains it is refused (it would expand forever)", () => {
    expect(check("- &a [*a]").problems).toEqual([
      { where: "objects", message: 'alias "*a" refers to the node that contains it', offset: 6 },
    ]);
  });

  test(`more than ${spcLimits.objects} objects are refused; 10,000 mount`, () => {
    const many = (count: number) =>
      Array.from(
        { length: count },
        (_, i) => `- {objectName: s${i}, objectType: secretsmanager}`,
      ).join("\n");
    const refused = check(`[${"a, ".repeat(spcLimits.objects)}a]`);
    expect(refused.problems.map((p) => p.message)).toEqual([
      `lists ${spcLimits.objects + 1} objects, more than the limit of ${spcLimits.objects}: split them over several SecretProviderClasses`,
    ]);
    const spc = readSpc({ region: "us-east-1", objects: many(10_000) }, options);
    expect(spc.descriptors).toHaveLength(10_000);
    expect(spc.descriptors[9_999]?.filePath).toBe("s9999");
  });

  test(`more than ${spcLimits.jmesPathEntries} jmesPath entries in one object are refused`, () => {
    const entries = (count: number) =>
      Array.from({ length: count }, (_, i) => `{path: a, objectAlias: f${i}}`).join(", ");
    expect(check(sm("a", `, jmesPath: [${entries(1001)}]`)).problems).toEqual([
      {
        where: 'objects[0] ("a").jmesPath',
        message: "has 1001 entries, more than the limit of 1000",
        offset: expect.any(Number) as never,
      },
    ]);
    expect(check(sm("a", `, jmesPath: [${entries(1000)}]`)).problems).toEqual([]);
  });

  test("a jmesPath path longer than 4096 characters or nested over 100 levels is refused", () => {
    const long = `'${"x".repeat(5000)}'`;
    const deep = `${"[".repeat(101)}a${"]".repeat(101)}`;
    const { problems } = check(
      `${sm("a", `, jmesPath: [{path: "${long}", objectAlias: x}]`)}\n${sm("b", `, jmesPath: [{path: "${deep}", objectAlias: y}]`)}`,
    );
    expect(problems.map((p) => [p.where, p.message])).toEqual([
      [
        'objects[0] ("a").jmesPath[0].path',
        expect.stringMatching(/^"'x{79}…" is 5002 characters long, more than the limit of 4096$/),
      ],
      [
        'objects[1] ("b").jmesPath[0].path',
        expect.stringMatching(/is nested more than 100 levels deep, the limit$/),
      ],
    ] as never);
  });

  test("deep file paths are claimed in linear time, up to 100,000 files and directories", () => {
    // Before: each path built and hashed all its 2,000 prefixes; 300 such aliases took 17 s.
    const deep = Array(2040).fill("a").join("/");
    const objects = (count: number) =>
      Array.from(
        { length: count },
        (_, i) => `- {objectName: x${i}, objectType: secretsmanager, objectAlias: "b${i}/${deep}"}`,
      ).join("\n");
    const fits = check(objects(45), { pathTranslation: "False" });
    expect(fits.problems).toEqual([]);
    expect(fits.ms).toBeLessThan(quickMs);
    const { problems, ms } = check(objects(300), { pathTranslation: "False" });
    expect(problems).toHaveLength(300 - 48);
    expect(problems[0]).toMatchObject({
      where: 'objects[48] ("x48").objectAlias',
      message: expect.stringMatching(
        /^file path "b48\/a\/a.*…" would bring the files and directories of this SecretProviderClass past 100000, the limit$/,
      ) as never,
    });
    expect(ms).toBeLessThan(quickMs * 2);
    const clash = check(`${sm("a", ", objectAlias: d/e")}\n${sm("b", ", objectAlias: d/e/f")}`, {
      pathTranslation: "False",
    });
    expect(clash.problems[0]?.message).toBe(
      `file path "d/e/f" needs "d/e" to be a directory, but objects[0] ("a").objectAlias writes a file there`,
    );
    // Shared directories count once: 11,000 paths of 10 elements make 11,009 nodes.
    const shared = Array.from(
      { length: 11_000 },
      (_, i) => `- {objectName: s${i}, objectAlias: a/b/c/d/e/f/g/h/i/s${i}}`,
    );
    const sharing = check(shared.join("\n"), { pathTranslation: "False" });
    expect(sharing.problems.filter((p) => p.message.includes("past 100000"))).toEqual([]);
  });

  test("every refusal is INVALID_ARGUMENT from readSpc", () => {
    let caught: unknown;
    try {
      readSpc({ region: "us-east-1", objects: "[".repeat(100) }, options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProviderError);
    expect((caught as ProviderError).code).toBe(Code.InvalidArgument);
  });
});

describe("spcLimits under fuzzed floods", () => {
  const piece = fc.constantFrom(
    "[",
    "]",
    "{",
    "}",
    "- ",
    "? ",
    ": ",
    ", ",
    "&a ",
    "*a ",
    "!t ",
    "a",
    "\n",
    "  ",
    "\t",
    '"',
    "'",
    "|\n",
    "# c\n",
    "k: ",
    "- {objectName: x, objectType: secretsmanager}\n",
    "<<: *a\n",
    "---\n",
  );
  // Runs of one piece repeated: the shape of every flood above.
  const flood = fc
    .array(fc.tuple(piece, fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 4 })
    .map((runs) => runs.map(([text, count]) => text.repeat(count)).join(""));

  test("readSpc() returns or throws INVALID_ARGUMENT, quickly, on floods of YAML tokens", () => {
    fc.assert(
      fc.property(flood, (objects) => {
        const started = performance.now();
        try {
          readSpc({ region: "us-east-1", objects }, options);
        } catch (error) {
          if (!(error instanceof ProviderError) || error.code !== Code.InvalidArgument) throw error;
        }
        expect(performance.now() - started).toBeLessThan(quickMs);
      }),
      { numRuns: Number(process.env["FUZZ_RUNS"] ?? "") || 100, seed: 13_000_005 },
    );
  }, 600_000);
});
