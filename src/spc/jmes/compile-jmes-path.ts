import * as jmespath from "jmespath";
import type { JmesBudget } from "./jmes-budget.ts";
import { JmesError } from "./jmes-error.ts";
import { callJmesFunction, jmesFunctions } from "./jmes-functions.ts";
import {
  deepEqual,
  type Evaluator,
  Expref,
  isFalse,
  isObject,
  scanSteps,
  setField,
  toText,
} from "./jmes-value.ts";

/** Longest `path` accepted, in UTF-16 code units. */
export const maxJmesPathLength = 4096;
/** Deepest nesting of the parsed expression (legitimate paths stay below 20). */
export const maxJmesPathDepth = 100;

/** A JMESPath expression, parsed and checked once, ready to evaluate many times. */
export interface JmesExpression {
  /** The expression as written in the SecretProviderClass. */
  readonly text: string;
  /** The root of the compiled tree; see `evaluateJmesPath`. */
  readonly root: Evaluator;
}

// @types/jmespath declares only `search`; jmespath 0.16 also exports `compile`, its parser.
const parse = (jmespath as unknown as { compile: (expression: string) => unknown }).compile;

/**
 * Parses `text` with jmespath.js's own parser (so exactly the same expressions are valid) and
 * compiles the tree into an evaluator of our own, which keeps jmespath.js's semantics but charges
 * a {@link JmesBudget} for every node it visits and every element or character it produces.
 * Like jmespath.js, it leaves unknown functions, wrong numbers of arguments and the incomplete
 * expressions its parser lets through (`a.`, `()`) to fail when they are evaluated (an `a || f()`
 * works as long as `a` is true).
 * @throws JmesError `invalid` when jmespath.js cannot parse it, or when it is longer than
 *   {@link maxJmesPathLength} characters or nested deeper than {@link maxJmesPathDepth} levels
 */
export function compileJmesPath(text: string): JmesExpression {
  if (text.length > maxJmesPathLength) {
    throw new JmesError(
      "invalid",
      `is ${text.length} characters long, more than the limit of ${maxJmesPathLength}`,
      maxJmesPathLength,
    );
  }
  let tree: unknown;
  try {
    tree = parse(text);
  } catch (error) {
    // The parser recurses once per nesting level; a stack overflow means "too deep" too.
    if (error instanceof RangeError) throw tooDeep();
    throw new JmesError("invalid", error instanceof Error ? error.message : String(error));
  }
  return { text, root: compileNode(tree, 0) };
}

function tooDeep(): JmesError {
  return new JmesError(
    "invalid",
    `is nested more than ${maxJmesPathDepth} levels deep, the limit`,
    maxJmesPathDepth,
  );
}

/** A node of the parser's tree, before its shape is checked. */
interface RawNode {
  type: string;
  name?: unknown;
  value?: unknown;
  children?: unknown;
}

/** Fails whenever it is evaluated, as jmespath.js does at the same point. */
function failing(message: string): Evaluator {
  return (_value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    throw new JmesError("type", message);
  };
}

function childrenOf(node: RawNode, count: number | undefined): unknown[] {
  const { children } = node;
  if (!Array.isArray(children) || (count !== undefined && children.length !== count))
    throw new JmesError("invalid", `has a malformed ${node.type} expression`);
  return children;
}

/** Compiles the children that are expressions. */
function compileChildren(node: RawNode, count: number | undefined, depth: number): Evaluator[] {
  return childrenOf(node, count).map((child) => compileNode(child, depth + 1));
}

function compileNode(raw: unknown, depth: number): Evaluator {
  if (depth > maxJmesPathDepth) throw tooDeep();
  // jmespath.js's parser lets a few incomplete expressions through (`a.`, `()`), with a hole
  // in the tree where an expression is missing.
  if (typeof raw !== "object" || raw === null || typeof (raw as RawNode).type !== "string")
    return failing("is incomplete: an expression is missing");
  const node = raw as RawNode;
  switch (node.type) {
    case "Field": {
      const name = node.name;
      if (typeof name !== "string") throw new JmesError("invalid", "has a malformed field name");
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        if (!isObject(value) || !Object.hasOwn(value, name)) return null;
        const field = value[name];
        return field === undefined ? null : field;
      };
    }
    case "Identity":
    case "Current":
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        return value;
      };
    case "Literal": {
      const literal = node.value;
      return (_value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        return literal;
      };
    }
    case "Subexpression":
    case "IndexExpression":
    case "Pipe": {
      const [left, right] = compileChildren(node, 2, depth) as [Evaluator, Evaluator];
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        return right(left(value, budget), budget);
      };
    }
    case "Index":
      return compileIndex(node);
    case "Slice":
      return compileSlice(node);
    case "Projection":
    case "ValueProjection":
      return compileProjection(node, depth);
    case "FilterProjection": {
      const [left, right, condition] = compileChildren(node, 3, depth) as [
        Evaluator,
        Evaluator,
        Evaluator,
      ];
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        const base = left(value, budget);
        if (!Array.isArray(base)) return null;
        const kept: unknown[] = [];
        for (const item of base) if (!isFalse(condition(item, budget))) kept.push(item);
        const results: unknown[] = [];
        for (const item of kept) {
          const result = right(item, budget);
          if (result !== null) results.push(result);
        }
        return results;
      };
    }
    case "Flatten": {
      const [child] = compileChildren(node, 1, depth) as [Evaluator];
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        const original = child(value, budget);
        if (!Array.isArray(original)) return null;
        const merged: unknown[] = [];
        for (const item of original) {
          if (Array.isArray(item)) {
            budget.spend(1 + item.length);
            for (const inner of item) merged.push(inner);
          } else {
            if (--budget.steps < 0) budget.exhausted();
            merged.push(item);
          }
        }
        return merged;
      };
    }
    case "Comparator":
      return compileComparator(node, depth);
    case "MultiSelectList": {
      const items = compileChildren(node, undefined, depth);
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        if (value === null) return null;
        budget.spend(items.length);
        return items.map((item) => item(value, budget));
      };
    }
    case "MultiSelectHash":
      return compileMultiSelectHash(node, depth);
    case "OrExpression": {
      const [left, right] = compileChildren(node, 2, depth) as [Evaluator, Evaluator];
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        const matched = left(value, budget);
        return isFalse(matched) ? right(value, budget) : matched;
      };
    }
    case "AndExpression": {
      const [left, right] = compileChildren(node, 2, depth) as [Evaluator, Evaluator];
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        const first = left(value, budget);
        return isFalse(first) ? first : right(value, budget);
      };
    }
    case "NotExpression": {
      const [child] = compileChildren(node, 1, depth) as [Evaluator];
      return (value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        return isFalse(child(value, budget));
      };
    }
    case "Function":
      return compileFunction(node, depth);
    case "ExpressionReference": {
      const [body] = childrenOf(node, 1);
      const expref = new Expref(compileNode(body, depth + 1), body);
      return (_value, budget) => {
        if (--budget.steps < 0) budget.exhausted();
        return expref;
      };
    }
    default:
      throw new JmesError("invalid", `has an unsupported ${node.type} expression`);
  }
}

function compileIndex(node: RawNode): Evaluator {
  const index = node.value;
  if (typeof index !== "number") throw new JmesError("invalid", "has a malformed index");
  return (value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    if (!Array.isArray(value)) return null;
    const position = index < 0 ? value.length + index : index;
    const result: unknown = Number.isInteger(position) ? value[position] : undefined;
    return result === undefined ? null : result;
  };
}

/** Parity: jmespath.js `computeSliceParams` and `capSliceRange`, including their treatment of NaN. */
function compileSlice(node: RawNode): Evaluator {
  const parts = childrenOf(node, 3);
  if (!parts.every((part) => part === null || typeof part === "number"))
    throw new JmesError("invalid", "has a malformed slice");
  const [start, stop, step] = parts as [number | null, number | null, number | null];
  const cap = (length: number, actual: number, by: number) => {
    if (actual < 0) {
      const from = actual + length;
      return from < 0 ? (by < 0 ? -1 : 0) : from;
    }
    return actual >= length ? (by < 0 ? length - 1 : length) : actual;
  };
  return (value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    if (!Array.isArray(value)) return null;
    const by = step ?? 1;
    if (by === 0) throw new JmesError("type", "has a slice step of 0");
    const isBackwards = by < 0;
    const from =
      start === null ? (isBackwards ? value.length - 1 : 0) : cap(value.length, start, by);
    const to = stop === null ? (isBackwards ? -1 : value.length) : cap(value.length, stop, by);
    const result: unknown[] = [];
    if (by > 0) {
      for (let i = from; i < to; i += by) {
        if (--budget.steps < 0) budget.exhausted();
        result.push(value[i]);
      }
    } else {
      for (let i = from; i > to; i += by) {
        if (--budget.steps < 0) budget.exhausted();
        result.push(value[i]);
      }
    }
    return result;
  };
}

function compileProjection(node: RawNode, depth: number): Evaluator {
  const [left, right] = compileChildren(node, 2, depth) as [Evaluator, Evaluator];
  const isValues = node.type === "ValueProjection";
  return (value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    const base = left(value, budget);
    let items: unknown[];
    if (isValues) {
      if (!isObject(base)) return null;
      items = Object.values(base);
      budget.spend(items.length);
    } else {
      if (!Array.isArray(base)) return null;
      items = base;
    }
    const collected: unknown[] = [];
    for (const item of items) {
      const result = right(item, budget);
      if (result !== null) collected.push(result);
    }
    return collected;
  };
}

/** `value` as JavaScript's relational operators see it: lists and objects become their text. */
function toPrimitive(value: unknown, budget: JmesBudget): unknown {
  if (typeof value === "string") {
    budget.spend(scanSteps(value.length));
    return value;
  }
  if (typeof value !== "object" || value === null) return value;
  const text = toText(value, budget);
  budget.spend(scanSteps(text.length));
  return text;
}

function compileComparator(node: RawNode, depth: number): Evaluator {
  const [left, right] = compileChildren(node, 2, depth) as [Evaluator, Evaluator];
  // Parity: jmespath.js compares with JavaScript's `>` etc. on any types, so "b" > "a" and
  // [2] > [10] (as text) are true; `==` is a deep comparison.
  const compare = (
    {
      EQ: undefined,
      NE: undefined,
      GT: (a: never, b: never) => a > b,
      GTE: (a: never, b: never) => a >= b,
      LT: (a: never, b: never) => a < b,
      LTE: (a: never, b: never) => a <= b,
    } as Record<string, ((a: never, b: never) => boolean) | undefined>
  )[String(node.name)];
  if (node.name === "EQ" || node.name === "NE") {
    const isEqual = node.name === "EQ";
    return (value, budget) => {
      if (--budget.steps < 0) budget.exhausted();
      const first = left(value, budget);
      const second = right(value, budget);
      return deepEqual(first, second, budget) === isEqual;
    };
  }
  if (compare === undefined) throw new JmesError("invalid", "has an unknown comparator");
  return (value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    const first = toPrimitive(left(value, budget), budget);
    const second = toPrimitive(right(value, budget), budget);
    return compare(first as never, second as never);
  };
}

function compileMultiSelectHash(node: RawNode, depth: number): Evaluator {
  const pairs = childrenOf(node, undefined).map((pair) => {
    const { name, value } = (pair ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== "string") throw new JmesError("invalid", "has a malformed key");
    return { name, value: compileNode(value, depth + 1) };
  });
  return (value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    if (value === null) return null;
    budget.spend(pairs.length);
    const collected: Record<string, unknown> = {};
    for (const pair of pairs) setField(collected, pair.name, pair.value(value, budget));
    return collected;
  };
}

function compileFunction(node: RawNode, depth: number): Evaluator {
  const name = node.name;
  const args = compileChildren(node, undefined, depth);
  const fn =
    typeof name === "string" && Object.hasOwn(jmesFunctions, name)
      ? jmesFunctions[name]
      : undefined;
  let problem: string | undefined;
  if (typeof name !== "string" || fn === undefined) {
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 40)) : "without a name";
    problem = `calls an unknown function ${shown}`;
  } else {
    const declared = fn.arguments.length;
    if (fn.isVariadic ? args.length < declared : args.length !== declared) {
      const count = fn.isVariadic ? `at least ${declared}` : String(declared);
      problem = `calls ${name}() with ${args.length} argument${args.length === 1 ? "" : "s"}, but it takes ${count}`;
    }
  }
  return (value, budget) => {
    if (--budget.steps < 0) budget.exhausted();
    const resolved = args.map((arg) => arg(value, budget));
    // Parity: jmespath.js evaluates the arguments before it looks the function up.
    if (problem !== undefined) throw new JmesError("type", problem);
    return callJmesFunction(name as string, resolved, budget);
  };
}
