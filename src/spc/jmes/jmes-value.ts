import type { JmesBudget } from "./jmes-budget.ts";
import { JmesError } from "./jmes-error.ts";

/** A compiled JMESPath node: evaluates against `value`, charging `budget` for its work. */
export type Evaluator = (value: unknown, budget: JmesBudget) => unknown;

/**
 * The value of an expression reference (`&expr`): what `map`, `sort_by`, `min_by` and `max_by`
 * apply to each element. One instance per `&` in the expression, made when it is compiled.
 */
export class Expref {
  readonly apply: Evaluator;
  readonly #json: unknown;

  /** `node` is the parser's node of the referenced expression, for {@link toJSON}. */
  constructor(apply: Evaluator, node: unknown) {
    this.apply = apply;
    // Parity: jmespath.js tags the referenced node and passes the node itself around, so
    // `to_string(&a)` serializes it; this gives the same text.
    this.#json = { ...(node as object), jmespathType: "Expref" };
  }

  toJSON(): unknown {
    return this.#json;
  }
}

/** The JMESPath type of a value, as `type()` names it; `undefined` for jmespath.js's `undefined`. */
export type JmesType = "number" | "string" | "array" | "object" | "boolean" | "expref" | "null";

/**
 * The type of `value`. jmespath.js can produce `undefined` (`max_by` over an empty list): it has
 * no type, as there.
 */
export function typeOf(value: unknown): JmesType | undefined {
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return "array";
      return value instanceof Expref ? "expref" : "object";
    default:
      return undefined;
  }
}

/** Whether `value` is a JSON object (not an array, not an expression reference). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Expref)
  );
}

/** JMESPath falsiness: `""`, `false`, `null`, `[]` and `{}` are false, everything else true. */
export function isFalse(value: unknown): boolean {
  if (value === "" || value === false || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) {
    for (const key in value) if (Object.hasOwn(value, key)) return false;
    return true;
  }
  return false;
}

/**
 * Sets an own property, also for the key `__proto__` (an assignment would change the prototype
 * instead): keys from the expression or the value are always plain keys here.
 */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** Scanning or comparing this many code units of a string costs one step. */
const unitsPerStep = 32;

/** Steps to scan or compare a string of `length` code units. */
export function scanSteps(length: number): number {
  return 1 + Math.floor(length / unitsPerStep);
}

/**
 * JMESPath equality (`==`), as jmespath.js's `strictDeepEqual`: same type and same contents,
 * object keys in any order. Iterative, one step per pair of values compared, so neither deep nor
 * shared (DAG-shaped) values can make it recurse or run unbounded.
 */
export function deepEqual(first: unknown, second: unknown, budget: JmesBudget): boolean {
  const pending: unknown[] = [first, second];
  while (pending.length > 0) {
    const b = pending.pop();
    const a = pending.pop();
    if (--budget.steps < 0) budget.exhausted();
    if (a === b) continue;
    if (typeof a === "string" && typeof b === "string") {
      if (a.length === b.length) budget.spend(scanSteps(a.length));
      return false;
    }
    const type = typeOf(a);
    if (type !== typeOf(b)) return false;
    if (type === "array") {
      const left = a as unknown[];
      const right = b as unknown[];
      if (left.length !== right.length) return false;
      budget.spend(left.length);
      for (let i = 0; i < left.length; i++) pending.push(left[i], right[i]);
    } else if (type === "object") {
      const left = a as Record<string, unknown>;
      const right = b as Record<string, unknown>;
      const leftKeys = Object.keys(left);
      const rightKeys = Object.keys(right);
      budget.spend(leftKeys.length + rightKeys.length);
      for (const key of rightKeys) if (!Object.hasOwn(left, key)) return false;
      for (const key of leftKeys) {
        pending.push(left[key], Object.hasOwn(right, key) ? right[key] : undefined);
      }
    } else {
      return false;
    }
  }
  return true;
}

// Characters JSON.stringify escapes: quote, backslash, controls, and (unpaired) surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes exactly these
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Length of `JSON.stringify(text)`, in code units. */
function jsonStringLength(text: string): number {
  if (!needsEscape.test(text)) return text.length + 2;
  let length = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) length += 2;
    else if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d)
      length += 2;
    else if (code < 0x20) length += 6;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 2;
        i++;
      } else {
        length += 6;
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) length += 6;
    else length += 1;
  }
  return length;
}

/**
 * Deepest value converted to JSON text. JavaScriptCore's JSON.stringify recurses: at 32,000
 * levels (a 64 KiB secret can nest that deep) it took 0.6 s, beyond about 40,000 it throws.
 * Real JSON documents nest a few levels.
 */
export const maxJsonDepth = 10_000;

/** Strings shorter than this are measured again each time: cheaper than a map lookup. */
const memoStringLength = 64;

/**
 * The length of `JSON.stringify(value)` in code units, without building it, or a `bytes` error
 * as soon as any part of it is longer than `limit`. Shared parts are measured once (values
 * built by `[@, @]` share their elements, so their text can be exponentially longer than the
 * steps that built them). Iterative: deep values cannot overflow the stack.
 * @returns `undefined` for `undefined` (JSON.stringify returns no text), else the length
 * @throws JmesError `bytes` when longer than `limit`; `steps` when the budget runs out; `type`
 *   when nested deeper than {@link maxJsonDepth}
 */
export function jsonLength(value: unknown, limit: number, budget: JmesBudget): number | undefined {
  if (value === undefined) return undefined;
  const measured = new Map<unknown, number>();
  const depths = new Map<unknown, number>();
  const tooLong = (): never => {
    throw new JmesError("bytes", `would produce more than ${limit} bytes`, limit);
  };
  /** Length of a leaf, or `undefined` for arrays and objects not measured yet. */
  const leafLength = (item: unknown): number | undefined => {
    switch (typeof item) {
      case "string": {
        if (item.length < memoStringLength) return jsonStringLength(item);
        const known = measured.get(item);
        if (known !== undefined) return known;
        budget.spend(scanSteps(item.length));
        const length = jsonStringLength(item);
        measured.set(item, length);
        return length;
      }
      case "number":
        return Number.isFinite(item) ? String(item).length : 4;
      case "boolean":
        return item ? 4 : 5;
      case "undefined":
        return 4; // `null` inside an array; object members with undefined are left out below
      case "object":
        if (item === null) return 4;
        if (item instanceof Expref) return JSON.stringify(item).length;
        return measured.get(item);
      default:
        return 4;
    }
  };
  // Post-order walk: a container is expanded once (its unmeasured children pushed above it),
  // then summed when it is on top again, by which time all its children are measured.
  const expanded = new Set<unknown>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (leafLength(top) !== undefined) {
      stack.pop();
      continue;
    }
    const container = top as Record<string, unknown> | unknown[];
    if (!expanded.has(container)) {
      expanded.add(container);
      const children = Array.isArray(container) ? container : Object.values(container);
      budget.spend(1 + children.length);
      for (const child of children) if (leafLength(child) === undefined) stack.push(child);
      continue;
    }
    stack.pop();
    let length = 2;
    let depth = 1;
    const children = Array.isArray(container) ? container : Object.values(container);
    for (const child of children) depth = Math.max(depth, 1 + (depths.get(child) ?? 0));
    if (depth > maxJsonDepth) {
      throw new JmesError("type", `got a value nested more than ${maxJsonDepth} levels deep`);
    }
    depths.set(container, depth);
    if (Array.isArray(container)) {
      length += Math.max(0, container.length - 1);
      for (const child of container) length += leafLength(child) ?? 0;
    } else {
      let members = 0;
      for (const key of Object.keys(container)) {
        const child = container[key];
        if (child === undefined) continue;
        members++;
        length += jsonStringLength(key) + 1 + (leafLength(child) ?? 0);
      }
      length += Math.max(0, members - 1);
    }
    if (length > limit) tooLong();
    measured.set(container, length);
  }
  const length = leafLength(value) ?? 0;
  if (length > limit) tooLong();
  return length;
}

/**
 * `value` as JavaScript's `String()` turns it into text, which jmespath.js relies on where it
 * compares or searches non-strings (`[1, 2] < [1, 3]`, `contains('a,b', ['a', 'b'])`): lists
 * join their elements with commas (`null` as nothing), objects become `[object Object]`. The text
 * is reserved in `budget` before it is built; objects never run code of their own here.
 * @throws JmesError `bytes` or `steps` when the budget does not allow it
 */
export function toText(value: unknown, budget: JmesBudget): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return String(isObject(value) || value instanceof Expref ? {} : value);
  const length = textLength(value, budget);
  budget.reserve(length);
  const parts: string[] = [];
  // Depth-first, left to right, with a marker between siblings for the commas.
  const comma = Symbol("comma");
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === comma) parts.push(",");
    else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i]);
        if (i > 0) stack.push(comma);
      }
    } else if (item !== null && item !== undefined) {
      parts.push(typeof item === "object" ? "[object Object]" : String(item));
    }
  }
  return parts.join("");
}

/** Length of {@link toText} of a list, measuring shared parts once. */
function textLength(list: unknown[], budget: JmesBudget): number {
  const limit = budget.stringLength;
  const measured = new Map<unknown[], number>();
  const leaf = (item: unknown): number | undefined => {
    if (Array.isArray(item)) return measured.get(item);
    if (item === null || item === undefined) return 0;
    if (typeof item === "object") return 15; // [object Object]
    return String(item).length;
  };
  const expanded = new Set<unknown[]>();
  const stack: unknown[][] = [list];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as unknown[];
    if (measured.has(top)) {
      stack.pop();
      continue;
    }
    if (!expanded.has(top)) {
      expanded.add(top);
      budget.spend(1 + top.length);
      for (const child of top) if (Array.isArray(child) && !measured.has(child)) stack.push(child);
      continue;
    }
    stack.pop();
    let length = Math.max(0, top.length - 1);
    for (const child of top) length += leaf(child) ?? 0;
    if (length > limit)
      throw new JmesError("bytes", `would produce more than ${limit} bytes`, limit);
    measured.set(top, length);
  }
  return measured.get(list) ?? 0;
}
