import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { search } from "jmespath";
import { compileJmesPath } from "./compile-jmes-path.ts";
import { evaluateJmesPath } from "./evaluate-jmes-path.ts";
import { JmesBudget } from "./jmes-budget.ts";
import { JmesError } from "./jmes-error.ts";
import { jsonLength, maxJsonDepth, toText } from "./jmes-value.ts";

const mib = 1024 * 1024;
const budget = (maxSteps = 500_000, maxStringLength = 4 * mib) =>
  new JmesBudget({ maxSteps, maxStringLength });

/** Evaluates like jmespath.search, over a document given as JSON text (as secrets are). */
function evaluate(path: string, json: string, within = budget()): unknown {
  return evaluateJmesPath(compileJmesPath(path), JSON.parse(json), within);
}

function failure(path: string, json: string, within = budget()): JmesError {
  try {
    evaluate(path, json, within);
  } catch (error) {
    if (error instanceof JmesError) return error;
    throw error;
  }
  throw new Error(`${path} did not fail`);
}

const secret = '{"password":"correct-horse-battery"}';
const doublings = (count: number, step = "[@,@]") => Array(count).fill(step).join(" | ");

describe("evaluateJmesPath() budget", () => {
  test("refuses the 26-doubling to_string before building its 2 GiB of text", () => {
    const within = budget();
    const started = performance.now();
    const error = failure(`${doublings(26)} | to_string(@)`, secret, within);
    expect(error.kind).toBe("bytes");
    expect(error.message).toBe(`would produce more than ${4 * mib} bytes`);
    expect(error.limit).toBe(4 * mib);
    // Nothing was reserved: the text was measured (the 26 levels share their elements), not built.
    expect(within.stringLength).toBe(4 * mib);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("stops a doubling that really copies (flatten) when the steps run out", () => {
    const within = budget(500_000);
    const error = failure(doublings(24, "[@,@][]"), secret, within);
    expect(error.kind).toBe("steps");
    expect(error.message).toBe(
      "needs more than 500000 steps of work, the limit for the jmesPath expressions of one Mount",
    );
    expect(within.steps).toBe(-1);
  });

  test("one budget spans several evaluations: the second fails once the first spent it", () => {
    const path = doublings(8, "[@,@][]");
    const measure = budget();
    expect(evaluate(path, secret, measure)).toHaveLength(256);
    const cost = 500_000 - measure.steps;
    const within = budget(Math.floor(cost * 1.5));
    evaluate(path, secret, within);
    expect(within.steps).toBe(Math.floor(cost * 1.5) - cost);
    expect(failure(path, secret, within).kind).toBe("steps");
  });

  test("charges one step per node of an ordinary path, so many small paths fit", () => {
    const within = budget(3);
    expect(evaluate("a.b", '{"a":{"b":"x"}}', within)).toBe("x");
    expect(within.steps).toBe(0);
    expect(failure("a.b", '{"a":{"b":"x"}}', budget(2)).kind).toBe("steps");
  });

  test("compares two separately built exponential values within the steps, not in 2^40 steps", () => {
    const left = doublings(40);
    const error = failure(`[${left}, ${left}] | [0] == [1]`, '"x"');
    expect(error.kind).toBe("steps");
  });

  test("sorting, filtering and mapping an exponential list stop on the steps", () => {
    for (const tail of ["sort_by(@, &to_string(@))", "[?@ == 'x']", "map(&[@, @], @)", "sort(@)"]) {
      const error = failure(`${doublings(30, "[@,@][]")} | ${tail}`, '"x"');
      expect({ tail, kind: error.kind }).toEqual({ tail, kind: "steps" });
    }
  });

  test("join and reverse refuse text beyond what is left before building it", () => {
    const within = budget(500_000, 100);
    const join = failure("join('', [s, s, s])", `{"s":"${"x".repeat(40)}"}`, within);
    expect(join.kind).toBe("bytes");
    expect(within.stringLength).toBe(100);
    expect(evaluate("reverse(s)", `{"s":"${"x".repeat(60)}"}`, within)).toHaveLength(60);
    expect(failure("reverse(s)", `{"s":"${"x".repeat(60)}"}`, within).kind).toBe("bytes");
  });

  test("comparing lists as text (jmespath.js's quirk) reserves that text", () => {
    const error = failure(`${doublings(30)} | @ < @`, secret, budget(500_000, 1000));
    expect(error.kind).toBe("bytes");
  });
});

describe("evaluateJmesPath() semantics of jmespath.js", () => {
  const cases: [string, string][] = [
    ["sort(@)", "[10, 9, 1]"],
    ["starts_with(@, 'ab')", '"abab"'],
    ["max_by(@, &n)", '[{"n":"b"},{"n":"a"}]'],
    ["max_by(@, &n)", '[{"n":"5"},{"n":"10"}]'],
    ["min_by(@, &n).n", '[{"n":3},{"n":1}]'],
    ["sort_by(@, &n)[*].i", '[{"n":2,"i":0},{"n":1,"i":1},{"n":2,"i":2},{"n":1,"i":3}]'],
    ["missing.to_string(@)", "{}"],
    ["[?@ > `1`]", '[0, 2, "3", [4], null]'],
    ["contains('a,b', ['a', 'b'])", "null"],
    ["contains(@, `null`)", '"xnullx"'],
    ["merge(`{}`, 'ab')", "null"],
    ["avg(`[]`) | to_string(@)", "null"],
    ["length('😀')", "null"],
    ["reverse('a😀')", "null"],
    ["to_number(' 12 ')", "null"],
    ["{a: max_by(`[]`, &a)} | to_string(@)", "null"],
    ["[max_by(`[]`, &a)] | to_string(@)", "null"],
    ["type(&a)", "null"],
    ["to_string(&a.b)", "null"],
    ["[1:10:3]", "[0,1,2,3,4,5,6,7,8,9,10]"],
    ["[::-2]", "[0,1,2,3,4]"],
    ["[-10:2]", "[0,1,2,3,4]"],
  ];
  test.each(cases)("%s over %s gives what jmespath.search gives", (path, json) => {
    expect(evaluate(path, json)).toEqual(search(JSON.parse(json), path) as never);
  });

  test("type errors name the function and argument, never the value", () => {
    const error = failure("abs(password)", secret);
    expect(error.kind).toBe("type");
    expect(error.message).toBe("abs() expects argument 1 to be a number, got a string");
    expect(error.message).not.toContain("horse");
    expect(failure("[::0]", "[1]").message).toBe("has a slice step of 0");
    expect(failure("sort_by(@, &a)", '[{"a":1},{"a":"x"}]').message).toContain(
      "sort_by() needs its expression to select the same type",
    );
  });

  test("a value nested too deeply to serialize fails as a type error, not a crash", () => {
    // JSON.stringify took 0.6 s at 32,000 levels (and throws beyond ~40,000): refused first.
    const depth = maxJsonDepth + 1;
    const deep = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const started = performance.now();
    const error = failure("to_string(@)", deep);
    expect(error.kind).toBe("type");
    expect(error.message).toBe(
      `to_string() got a value nested more than ${maxJsonDepth} levels deep`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    const fine = `${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}`;
    expect(evaluate("to_string(@)", fine)).toBe(fine);
  });

  test("keys named like Object.prototype members are plain keys (jmespath.js reads the prototype)", () => {
    expect(evaluate("constructor", "{}")).toBeNull();
    expect(evaluate("toString", '{"toString":"t"}')).toBe("t");
    expect(evaluate("keys({__proto__: a})", '{"a":1}')).toEqual(["__proto__"]);
    expect(evaluate("[?@]", '[{"hasOwnProperty":1}]')).toEqual([{ hasOwnProperty: 1 }]);
  });
});

describe("JSON and text measures", () => {
  const json = fc.jsonValue();
  test("jsonLength() is the length of JSON.stringify, on any JSON value and odd strings", () => {
    fc.assert(
      fc.property(fc.oneof(json, fc.string({ unit: "binary" })), (value) => {
        expect(jsonLength(value, Number.POSITIVE_INFINITY, budget())).toBe(
          JSON.stringify(value).length,
        );
      }),
      { numRuns: 1000, seed: 13_000_002 },
    );
    expect(
      jsonLength(["\ud800", "\udc00x", "\u0001\n", { a: undefined, b: 1 }], 1e9, budget()),
    ).toBe(JSON.stringify(["\ud800", "\udc00x", "\u0001\n", { a: undefined, b: 1 }]).length);
  });

  test("toText() is String() of lists, on any JSON value", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(toText(value, budget())).toBe(String(value));
      }),
      { numRuns: 1000, seed: 13_000_003 },
    );
  });
});
