import { expect, test } from "bun:test";
import fc from "fast-check";
import { search } from "jmespath";
import { compileJmesPath } from "./compile-jmes-path.ts";
import { evaluateJmesPath } from "./evaluate-jmes-path.ts";
import { JmesBudget } from "./jmes-budget.ts";
import { JmesError } from "./jmes-error.ts";

// Keys avoid names of Object.prototype members, where jmespath.js leaks JavaScript's object
// model on purpose-free inputs (see evaluateJmesPath); everything else is fair game.
const keys = ["a", "b", "c", "n", "s", "user-name", "é", ""] as const;

const jsonLeaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("a", "b", "10", "-3", "1e2", " 7 ", "", "A", "ab", "aba", "é"),
  fc.integer({ min: -20, max: 20 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** JSON documents as a secret holds them: parsed from text. */
const jsonText = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      jsonLeaf,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...keys), tie("value"), { maxKeys: 4 }),
    ),
  }))
  .value.map((value) => JSON.stringify(value));

const fieldName = fc.constantFrom("a", "b", "c", "n", "s", '"user-name"', '"é"', '""', "missing");
const literal = fc.constantFrom(
  "`1`",
  "`-2`",
  "`0.5`",
  '`"a"`',
  "`[1, 2]`",
  '`["b", "a"]`',
  '`{"a": 1, "b": [2]}`',
  "`null`",
  "`true`",
  "`false`",
  "`[]`",
  "`{}`",
  "'raw'",
  "''",
  "'10'",
);
const index = fc.constantFrom("0", "1", "-1", "2", "-3");
const slice = fc.constantFrom(":", "1:", ":2", "::-1", "1:3", "-2:", "::2", "3:0:-1", "::0");
const comparator = fc.constantFrom("==", "!=", "<", "<=", ">", ">=");

/** The functions by how many plain arguments they take (expression references separately). */
const unary = [
  "abs",
  "avg",
  "ceil",
  "floor",
  "length",
  "max",
  "min",
  "sum",
  "type",
  "keys",
  "values",
  "sort",
  "reverse",
  "to_array",
  "to_string",
  "to_number",
] as const;
const binary = ["contains", "ends_with", "starts_with", "join"] as const;
const variadic = ["merge", "not_null"] as const;
const byExpression = ["sort_by", "min_by", "max_by"] as const;

/** JMESPath expressions of every node type, small enough that jmespath.js stays fast. */
export const expression: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => {
  const expr = tie("expr");
  return {
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true, maxDepth: 4 },
      fieldName,
      fc.constant("@"),
      literal,
      fc.tuple(expr, fieldName).map(([e, f]) => `${e}.${f}`),
      fc.tuple(expr, index).map(([e, i]) => `${e}[${i}]`),
      fc.tuple(expr, slice).map(([e, s]) => `${e}[${s}]`),
      fc.tuple(expr, expr).map(([e, r]) => `${e}[*].${r.startsWith("`") ? "a" : r}`),
      expr.map((e) => `${e}[*]`),
      expr.map((e) => `${e}.*`),
      expr.map((e) => `${e}[]`),
      fc.tuple(expr, expr).map(([e, c]) => `${e}[?${c}]`),
      fc.tuple(expr, expr).map(([l, r]) => `${l} | ${r}`),
      fc.tuple(expr, expr).map(([l, r]) => `${l} || ${r}`),
      fc.tuple(expr, expr).map(([l, r]) => `${l} && ${r}`),
      expr.map((e) => `!${e}`),
      expr.map((e) => `(${e})`),
      fc.array(expr, { minLength: 1, maxLength: 3 }).map((items) => `[${items.join(", ")}]`),
      fc
        .array(fc.tuple(fc.constantFrom("k", "a", "b"), expr), { minLength: 1, maxLength: 3 })
        .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
      fc.tuple(expr, comparator, expr).map(([l, op, r]) => `${l} ${op} ${r}`),
      {
        weight: 6,
        arbitrary: fc.tuple(fc.constantFrom(...unary), expr).map(([f, a]) => `${f}(${a})`),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom(...binary), expr, expr)
          .map(([f, a, b]) => `${f}(${a}, ${b})`),
      },
      fc
        .tuple(fc.constantFrom(...variadic), fc.array(expr, { minLength: 1, maxLength: 3 }))
        .map(([f, args]) => `${f}(${args.join(", ")})`),
      fc.tuple(expr, expr).map(([f, list]) => `map(&${f}, ${list})`),
      fc
        .tuple(fc.constantFrom(...byExpression), expr, expr)
        .map(([f, list, key]) => `${f}(${list}, &${key})`),
    ),
  };
}).expr;

/** A value as text that tells apart what JSON cannot: undefined, NaN, -0, Infinity. */
function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
    .join(",")}}`;
}

type Outcome = { value: string } | { error: string };

function viaLibrary(text: string, path: string): Outcome {
  try {
    return { value: canonical(search(JSON.parse(text), path)) };
  } catch (error) {
    return { error: String(error) };
  }
}

function viaEvaluator(text: string, path: string): Outcome & { kind?: string } {
  try {
    const budget = new JmesBudget({ maxSteps: 1_000_000, maxStringLength: 1_000_000 });
    return { value: canonical(evaluateJmesPath(compileJmesPath(path), JSON.parse(text), budget)) };
  } catch (error) {
    if (!(error instanceof JmesError)) throw error;
    return { error: error.message, kind: error.kind };
  }
}

/** Outcomes seen, so the test can check both sides are exercised. */
export const differentialStats = { compared: 0, values: 0, errors: 0 };

/**
 * The bounded evaluator agrees with jmespath.js: the same value (told apart down to undefined,
 * NaN and -0), or both fail; it throws nothing but JmesError.
 */
export const jmesEquivalenceProperty = fc.property(jsonText, expression, (text, path) => {
  const expected = viaLibrary(text, path);
  const actual = viaEvaluator(text, path);
  differentialStats.compared++;
  if ("value" in expected) {
    differentialStats.values++;
    if (!("value" in actual) || actual.value !== expected.value) {
      throw new Error(
        `${path} over ${text}: jmespath.js gives ${expected.value}, ours ${JSON.stringify(actual)}`,
      );
    }
  } else {
    differentialStats.errors++;
    if ("value" in actual) {
      throw new Error(
        `${path} over ${text}: jmespath.js fails (${expected.error}), ours gives ${actual.value}`,
      );
    }
  }
});

const numRuns = Number(process.env["FUZZ_RUNS"] ?? "") || 5000;

test("evaluateJmesPath() agrees with jmespath.search on generated expressions and documents", () => {
  fc.assert(jmesEquivalenceProperty, { numRuns, seed: 13_000_001 });
  // Both outcomes must be common, or the agreement proves little.
  expect(differentialStats.values).toBeGreaterThan(numRuns / 4);
  expect(differentialStats.errors).toBeGreaterThan(numRuns / 50);
}, 600_000);

/** Pieces that multiply the work or the value: chained, they would run for hours unbounded. */
const amplifier = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      "[@,@]",
      "[@,@,@,@]",
      "[@,@][]",
      "{a:@,b:@}",
      "{a:@,b:@}.*",
      "[@,@][*][@,@][]",
      "map(&[@,@], to_array(@))",
      "values({a:@,b:@})",
      "merge({a:@}, {b:@})",
      "[@,@] | [::-1]",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "to_string(@)",
      "[to_string(@), to_string(@)] | join('', @)",
      "[@, reverse(to_string(@))]",
      "[@,@] | sort_by(@, &to_string(@))",
      "[@,@] | [?@ == @]",
      "[@,@] | [0] == [1]",
      "[@,@] | @ < @",
      "[@,@] | contains(to_string(@), to_string(@))",
    ),
  },
  { weight: 1, arbitrary: fc.constant("length(to_string(@))") },
);

/** How often the chains ran out of steps, so the test can check it really pushes them. */
const boundedStats = { steps: 0, bytes: 0, value: 0 };

/**
 * Chains of amplifiers under the Mount's real budget: every one ends (a value or a JmesError)
 * without taking long, and an error is only ever a JmesError.
 */
export const jmesBoundedProperty = fc.property(
  // Runs of one piece repeated, which is how an amplifier multiplies.
  fc
    .array(fc.tuple(amplifier, fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 4 })
    .map((runs) => runs.flatMap(([piece, count]) => Array<string>(count).fill(piece))),
  fc.constantFrom('{"password":"correct-horse!"}', '"x"', "[1,2,3]", "{}"),
  (pieces, text) => {
    const path = pieces.join(" | ");
    const budget = new JmesBudget({ maxSteps: 500_000, maxStringLength: 4 * 1024 * 1024 });
    const started = performance.now();
    let outcome: keyof typeof boundedStats = "value";
    try {
      evaluateJmesPath(compileJmesPath(path), JSON.parse(text), budget);
    } catch (error) {
      if (!(error instanceof JmesError)) throw error;
      outcome = error.kind === "steps" || error.kind === "bytes" ? error.kind : "value";
    }
    const ms = performance.now() - started;
    boundedStats[outcome]++;
    // The budget is spent in a few ms on this machine; generous for a loaded one.
    if (ms > 500) throw new Error(`${path} took ${Math.round(ms)} ms`);
  },
);

test("chains of amplifying expressions always end within the budget", () => {
  fc.assert(jmesBoundedProperty, { numRuns: Math.ceil(numRuns / 10), seed: 13_000_004 });
  expect(boundedStats.steps).toBeGreaterThan(numRuns / 500);
  expect(boundedStats.bytes).toBeGreaterThan(numRuns / 500);
}, 600_000);
