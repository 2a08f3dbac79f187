import { describe, expect, test } from "bun:test";
import { search } from "jmespath";
import { compileJmesPath, maxJmesPathDepth, maxJmesPathLength } from "./compile-jmes-path.ts";
import { evaluateJmesPath } from "./evaluate-jmes-path.ts";
import { JmesBudget } from "./jmes-budget.ts";
import { JmesError } from "./jmes-error.ts";

const budget = () => new JmesBudget({ maxSteps: 100_000, maxStringLength: 100_000 });

function compileError(text: string): JmesError {
  try {
    compileJmesPath(text);
  } catch (error) {
    if (error instanceof JmesError) return error;
    throw error;
  }
  throw new Error(`${text} compiled`);
}

describe("compileJmesPath()", () => {
  test("keeps the text and compiles once for many evaluations", () => {
    const expression = compileJmesPath("a.b");
    expect(expression.text).toBe("a.b");
    expect(evaluateJmesPath(expression, { a: { b: "x" } }, budget())).toBe("x");
    expect(evaluateJmesPath(expression, { a: { b: "y" } }, budget())).toBe("y");
  });

  test("refuses what jmespath.js cannot parse, with its parser's message", () => {
    const error = compileError("a[");
    expect(error.kind).toBe("invalid");
    expect(error.limit).toBeUndefined();
    expect(() => search({}, "a[")).toThrow(error.message);
  });

  test(`refuses a path longer than ${maxJmesPathLength} characters before parsing it`, () => {
    const literal = (length: number) => `'${"x".repeat(length - 2)}'`;
    const error = compileError(literal(maxJmesPathLength + 1));
    expect(error.message).toBe(
      `is ${maxJmesPathLength + 1} characters long, more than the limit of ${maxJmesPathLength}`,
    );
    expect(error.limit).toBe(maxJmesPathLength);
    expect(compileJmesPath(literal(maxJmesPathLength)).text).toHaveLength(maxJmesPathLength);
  });

  test(`refuses nesting deeper than ${maxJmesPathDepth} levels`, () => {
    const deep = `${"[".repeat(maxJmesPathDepth + 1)}a${"]".repeat(maxJmesPathDepth + 1)}`;
    const error = compileError(deep);
    expect(error.message).toBe(`is nested more than ${maxJmesPathDepth} levels deep, the limit`);
    expect(error.limit).toBe(maxJmesPathDepth);
    const fine = `${"[".repeat(40)}a${"]".repeat(40)}`;
    expect(evaluateJmesPath(compileJmesPath(fine), { a: 1 }, budget())).toEqual(
      search({ a: 1 }, fine),
    );
  });

  test("leaves unknown functions and wrong argument counts to fail when reached, as jmespath.js does", () => {
    const typo = compileJmesPath("a || to_strin(@)");
    expect(evaluateJmesPath(typo, { a: "x" }, budget())).toBe("x");
    expect(() => evaluateJmesPath(typo, {}, budget())).toThrow(
      'calls an unknown function "to_strin"',
    );
    const arity = compileJmesPath("length(a, b)");
    expect(() => evaluateJmesPath(arity, {}, budget())).toThrow(
      "calls length() with 2 arguments, but it takes 1",
    );
  });

  test("fails incomplete expressions that jmespath.js's parser lets through when evaluated", () => {
    const incomplete = compileJmesPath("a.");
    expect(() => search({ a: 1 }, "a.")).toThrow();
    expect(() => evaluateJmesPath(incomplete, { a: 1 }, budget())).toThrow(
      "is incomplete: an expression is missing",
    );
  });
});
