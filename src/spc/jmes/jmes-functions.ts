import type { JmesBudget } from "./jmes-budget.ts";
import { JmesError } from "./jmes-error.ts";
import {
  type Expref,
  isObject,
  type JmesType,
  jsonLength,
  scanSteps,
  setField,
  toText,
  typeOf,
} from "./jmes-value.ts";

/** What an argument may be: a JMESPath type, `any`, or a list of only numbers or only strings. */
type ArgumentType = JmesType | "any" | "array-number" | "array-string";

/** A built-in function: the types each argument accepts, and what it does. */
interface JmesFunction {
  /** One entry per declared argument: the types it accepts, tried in order. */
  readonly arguments: readonly (readonly ArgumentType[])[];
  /** The last declared argument may be repeated (and only the declared ones are type-checked). */
  readonly isVariadic?: boolean;
  call(args: unknown[], budget: JmesBudget): unknown;
}

const typeNames: Readonly<Record<ArgumentType, string>> = {
  number: "a number",
  string: "a string",
  array: "an array",
  object: "an object",
  boolean: "a boolean",
  expref: "an expression reference (&...)",
  null: "null",
  any: "any value",
  "array-number": "an array of numbers",
  "array-string": "an array of strings",
};

/** Names the type of a value for messages, without showing the value. */
function describeType(value: unknown): string {
  const type = typeOf(value);
  return type === undefined ? "no value" : typeNames[type];
}

/** Spends the steps of sorting `count` elements whose comparisons scan `units` code units. */
function spendSort(count: number, units: number, budget: JmesBudget): void {
  const rounds = Math.ceil(Math.log2(count + 1));
  budget.spend(rounds * (count + Math.floor(units / 32)));
}

function stringsLength(list: readonly unknown[]): number {
  let length = 0;
  for (const item of list) if (typeof item === "string") length += item.length;
  return length;
}

/**
 * The key of each element for `sort_by`, `min_by` and `max_by`: a number or a string, all of the
 * same type for `sort_by`.
 */
function keyOf(name: string, expref: Expref, element: unknown, budget: JmesBudget): unknown {
  const key = expref.apply(element, budget);
  const type = typeOf(key);
  if (type !== "number" && type !== "string") {
    throw new JmesError(
      "type",
      `${name}() needs its expression to select a number or a string for every element, got ${describeType(key)}`,
    );
  }
  return key;
}

/** `Math.max` over numbers (NaN wins), without spreading them as arguments. */
function maxNumber(list: readonly number[], isMin: boolean): number {
  let best = isMin ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const item of list) {
    if (Number.isNaN(item)) return Number.NaN;
    const isBetter = isMin
      ? item < best || (item === 0 && best === 0 && Object.is(item, -0))
      : item > best || (item === 0 && best === 0 && Object.is(best, -0));
    if (isBetter) best = item;
  }
  return best;
}

/** `max` / `min` of strings, compared as jmespath.js does (`localeCompare`). */
function maxString(list: readonly string[], isMin: boolean, budget: JmesBudget): string {
  let best = list[0] as string;
  for (let i = 1; i < list.length; i++) {
    const item = list[i] as string;
    // Collation costs far more per code unit than a plain comparison.
    budget.spend(1 + Math.floor((best.length + item.length) / 8));
    if (isMin ? item.localeCompare(best) < 0 : best.localeCompare(item) < 0) best = item;
  }
  return best;
}

/** Reverses the UTF-16 code units of `text`, as jmespath.js does (surrogate pairs included). */
function reverseText(text: string): string {
  const chunk = 8192;
  const parts: string[] = [];
  const codes: number[] = [];
  for (let i = text.length - 1; i >= 0; i--) {
    codes.push(text.charCodeAt(i));
    if (codes.length === chunk) {
      parts.push(String.fromCharCode(...codes));
      codes.length = 0;
    }
  }
  parts.push(String.fromCharCode(...codes));
  return parts.join("");
}

/**
 * The built-in functions of jmespath.js 0.16, with its semantics (including where they differ
 * from the JMESPath specification, such as `sort` ordering numbers as text and `starts_with`
 * being true only when the prefix occurs nowhere else), each charging `budget` for its work.
 */
export const jmesFunctions: Readonly<Record<string, JmesFunction>> = {
  abs: { arguments: [["number"]], call: ([n]) => Math.abs(n as number) },
  avg: {
    arguments: [["array-number"]],
    call: ([list], budget) => {
      const numbers = list as number[];
      budget.spend(numbers.length);
      let sum = 0;
      for (const n of numbers) sum += n;
      return sum / numbers.length;
    },
  },
  ceil: { arguments: [["number"]], call: ([n]) => Math.ceil(n as number) },
  contains: {
    arguments: [["string", "array"], ["any"]],
    call: ([subject, search], budget) => {
      if (typeof subject === "string") {
        const text = toText(search, budget);
        budget.spend(scanSteps(subject.length + text.length));
        return subject.indexOf(text) >= 0;
      }
      const list = subject as unknown[];
      for (const item of list) {
        if (--budget.steps < 0) budget.exhausted();
        if (typeof item === "string" && typeof search === "string" && item.length === search.length)
          budget.spend(scanSteps(item.length));
        if (item === search) return true;
      }
      return false;
    },
  },
  ends_with: {
    arguments: [["string"], ["string"]],
    call: ([subject, suffix], budget) => {
      const text = subject as string;
      const end = suffix as string;
      budget.spend(scanSteps(end.length));
      return text.indexOf(end, text.length - end.length) !== -1;
    },
  },
  floor: { arguments: [["number"]], call: ([n]) => Math.floor(n as number) },
  length: {
    arguments: [["string", "array", "object"]],
    call: ([subject], budget) => {
      if (!isObject(subject)) return (subject as string | unknown[]).length;
      const keys = Object.keys(subject);
      budget.spend(keys.length);
      return keys.length;
    },
  },
  map: {
    arguments: [["expref"], ["array"]],
    call: ([expref, list], budget) => {
      const mapped: unknown[] = [];
      for (const item of list as unknown[]) {
        if (--budget.steps < 0) budget.exhausted();
        mapped.push((expref as Expref).apply(item, budget));
      }
      return mapped;
    },
  },
  max: {
    arguments: [["array-number", "array-string"]],
    call: ([list], budget) => {
      const items = list as unknown[];
      if (items.length === 0) return null;
      budget.spend(items.length);
      return typeof items[0] === "number"
        ? maxNumber(items as number[], false)
        : maxString(items as string[], false, budget);
    },
  },
  merge: {
    arguments: [["object"]],
    isVariadic: true,
    call: (args, budget) => {
      const merged: Record<string, unknown> = {};
      for (const source of args) {
        // Parity: jmespath.js copies with `for…in`, so a string or a list given after the first
        // argument (only that one is type-checked) contributes its indices as keys.
        if (isObject(source)) {
          const keys = Object.keys(source);
          budget.spend(keys.length);
          for (const key of keys) setField(merged, key, source[key]);
        } else if (typeof source === "string" || Array.isArray(source)) {
          budget.spend(source.length);
          for (let i = 0; i < source.length; i++) setField(merged, String(i), source[i]);
        }
      }
      return merged;
    },
  },
  max_by: {
    arguments: [["array"], ["expref"]],
    call: ([list, expref], budget) => {
      // Parity: jmespath.js starts from -Infinity and compares with `>`, so string keys never win
      // unless they read as numbers; nothing found gives no value at all.
      let best: unknown = Number.NEGATIVE_INFINITY;
      let record: unknown;
      for (const item of list as unknown[]) {
        const key = keyOf("max_by", expref as Expref, item, budget);
        if (typeof key === "string") budget.spend(scanSteps(key.length));
        if ((key as number) > (best as number)) {
          best = key;
          record = item;
        }
      }
      return record;
    },
  },
  sum: {
    arguments: [["array-number"]],
    call: ([list], budget) => {
      const numbers = list as number[];
      budget.spend(numbers.length);
      let sum = 0;
      for (const n of numbers) sum += n;
      return sum;
    },
  },
  starts_with: {
    arguments: [["string"], ["string"]],
    call: ([subject, prefix], budget) => {
      const text = subject as string;
      budget.spend(scanSteps(text.length));
      // Parity: jmespath.js tests `lastIndexOf(prefix) === 0`.
      return text.lastIndexOf(prefix as string) === 0;
    },
  },
  min: {
    arguments: [["array-number", "array-string"]],
    call: ([list], budget) => {
      const items = list as unknown[];
      if (items.length === 0) return null;
      budget.spend(items.length);
      return typeof items[0] === "number"
        ? maxNumber(items as number[], true)
        : maxString(items as string[], true, budget);
    },
  },
  min_by: {
    arguments: [["array"], ["expref"]],
    call: ([list, expref], budget) => {
      let best: unknown = Number.POSITIVE_INFINITY;
      let record: unknown;
      for (const item of list as unknown[]) {
        const key = keyOf("min_by", expref as Expref, item, budget);
        if (typeof key === "string") budget.spend(scanSteps(key.length));
        if ((key as number) < (best as number)) {
          best = key;
          record = item;
        }
      }
      return record;
    },
  },
  type: { arguments: [["any"]], call: ([value]) => typeOf(value) },
  keys: {
    arguments: [["object"]],
    call: ([subject], budget) => {
      const keys = Object.keys(subject as object);
      budget.spend(keys.length);
      return keys;
    },
  },
  values: {
    arguments: [["object"]],
    call: ([subject], budget) => {
      const values = Object.values(subject as object);
      budget.spend(values.length);
      return values;
    },
  },
  sort: {
    arguments: [["array-string", "array-number"]],
    call: ([list], budget) => {
      const items = list as unknown[];
      spendSort(items.length, stringsLength(items), budget);
      // Parity: jmespath.js calls sort() without a comparator, which orders numbers as text.
      return items.slice(0).sort();
    },
  },
  sort_by: {
    arguments: [["array"], ["expref"]],
    call: ([list, expref], budget) => {
      const items = list as unknown[];
      budget.spend(items.length);
      if (items.length === 0) return [];
      // jmespath.js evaluates the keys inside its comparator: every element reaches it at least
      // once when there are two or more, so computing each key once fails exactly when it does.
      const first = keyOf("sort_by", expref as Expref, items[0], budget);
      if (items.length === 1) return [items[0]];
      const keys: unknown[] = [first];
      const type = typeof first;
      for (let i = 1; i < items.length; i++) {
        const key = keyOf("sort_by", expref as Expref, items[i], budget);
        if (typeof key !== type) {
          throw new JmesError(
            "type",
            `sort_by() needs its expression to select the same type for every element, got ${describeType(first)} and ${describeType(key)}`,
          );
        }
        keys.push(key);
      }
      spendSort(items.length, stringsLength(keys), budget);
      const order = items.map((_, i) => i);
      // The same comparator as jmespath.js (ties keep the original order).
      order.sort((a, b) => {
        const keyA = keys[a] as number;
        const keyB = keys[b] as number;
        return keyA > keyB ? 1 : keyA < keyB ? -1 : a - b;
      });
      return order.map((i) => items[i]);
    },
  },
  join: {
    arguments: [["string"], ["array-string"]],
    call: ([separator, list], budget) => {
      const items = list as string[];
      const glue = separator as string;
      budget.spend(items.length);
      budget.reserve(stringsLength(items) + glue.length * Math.max(0, items.length - 1));
      return items.join(glue);
    },
  },
  reverse: {
    arguments: [["string", "array"]],
    call: ([subject], budget) => {
      if (typeof subject === "string") {
        budget.spend(scanSteps(subject.length));
        budget.reserve(subject.length);
        return reverseText(subject);
      }
      const items = subject as unknown[];
      budget.spend(items.length);
      return items.slice(0).reverse();
    },
  },
  to_array: { arguments: [["any"]], call: ([value]) => (Array.isArray(value) ? value : [value]) },
  to_string: {
    arguments: [["any"]],
    call: ([value], budget) => {
      if (typeof value === "string") return value;
      let length: number | undefined;
      try {
        length = jsonLength(value, budget.stringLength, budget);
      } catch (error) {
        if (error instanceof JmesError && error.kind === "type")
          throw new JmesError("type", `to_string() ${error.message}`);
        throw error;
      }
      if (length === undefined) return undefined;
      budget.reserve(length);
      return JSON.stringify(value);
    },
  },
  to_number: {
    arguments: [["any"]],
    call: ([value], budget) => {
      if (typeof value === "number") return value;
      if (typeof value !== "string") return null;
      budget.spend(scanSteps(value.length));
      const converted = +value;
      return Number.isNaN(converted) ? null : converted;
    },
  },
  not_null: {
    arguments: [["any"]],
    isVariadic: true,
    call: (args) => {
      for (const value of args) if (typeOf(value) !== "null") return value;
      return null;
    },
  },
};

/** Whether `value` is of argument type `type` (lists check every element). */
function matches(value: unknown, type: ArgumentType, budget: JmesBudget): boolean {
  if (type === "any") return true;
  const actual = typeOf(value);
  if (type === "array-number" || type === "array-string") {
    if (actual !== "array") return false;
    const items = value as unknown[];
    budget.spend(items.length);
    const wanted = type === "array-number" ? "number" : "string";
    for (const item of items) if (typeof item !== wanted) return false;
    return true;
  }
  return actual === type;
}

/**
 * Calls the built-in `name` with evaluated `args` after checking their types as jmespath.js does
 * (the number of arguments was checked when the expression was compiled).
 * @throws JmesError `type` naming the function and the argument of the wrong type
 */
export function callJmesFunction(name: string, args: unknown[], budget: JmesBudget): unknown {
  const fn = jmesFunctions[name] as JmesFunction;
  fn.arguments.forEach((types, index) => {
    const value = args[index];
    if (types.some((type) => matches(value, type, budget))) return;
    const expected = types.map((type) => typeNames[type]).join(" or ");
    throw new JmesError(
      "type",
      `${name}() expects argument ${index + 1} to be ${expected}, got ${describeType(value)}`,
    );
  });
  return fn.call(args, budget);
}
