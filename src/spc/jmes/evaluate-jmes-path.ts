import type { JmesExpression } from "./compile-jmes-path.ts";
import type { JmesBudget } from "./jmes-budget.ts";

/**
 * Evaluates a compiled expression over `document` (a parsed JSON value), charging `budget`.
 *
 * The result is what `jmespath.search(document, expression.text)` of jmespath.js 0.16 returns
 * (the differential fuzz test holds it to that), except where jmespath.js leaks JavaScript's
 * object model, which is not JMESPath:
 * - keys named like members of `Object.prototype` (`constructor`, `__proto__`, `toString`,
 *   `hasOwnProperty`, ...) are ordinary keys here; jmespath.js selects the inherited member, sets
 *   a prototype or throws;
 * - an expression reference (`&expr`) used as a value is opaque (its `type()` is `"expref"` and
 *   `to_string()` gives the same text); jmespath.js exposes its parse tree as an object, and
 *   treats objects of the document shaped like one as expressions;
 * - unknown functions and wrong numbers of arguments are refused when the expression is compiled,
 *   even in a branch that is never evaluated;
 * - `max`, `min` and flattening work on lists of any length; jmespath.js spreads them as call
 *   arguments and fails with a stack overflow beyond about a hundred thousand elements;
 * - `to_string()` refuses values nested deeper than `maxJsonDepth` (10,000) levels, where
 *   JSON.stringify slows to a crawl (0.6 s at 32,000) and soon overflows the stack.
 * @throws JmesError `type` when JMESPath fails on this value, `steps` or `bytes` when the budget
 *   would be exceeded (before the text that would exceed it is built)
 */
export function evaluateJmesPath(
  expression: JmesExpression,
  document: unknown,
  budget: JmesBudget,
): unknown {
  return expression.root(document, budget);
}
