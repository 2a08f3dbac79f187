import { isMap, isScalar, isSeq } from "yaml";
import { quote } from "./report-problem.ts";

/**
 * Names what a YAML node is, for "got ..." in messages: `nothing`, `a list`, `a map`,
 * `the string "x"`, `the number 3` or `the value "true"`.
 */
export function describeNode(node: unknown): string {
  if (isBlank(node)) return "nothing";
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a map";
  if (isScalar(node)) {
    const text = String(node.source ?? node.value);
    if (typeof node.value === "string") return `the string ${quote(text)}`;
    return typeof node.value === "number" ? `the number ${text}` : `the value ${quote(text)}`;
  }
  return "an unsupported YAML node";
}

/** Whether a node counts as absent: missing, `null`, `~` or `""`. */
export function isBlank(node: unknown): boolean {
  if (node === undefined || node === null) return true;
  return isScalar(node) && (node.value === null || node.value === "");
}

/** Character offset of a node inside the parsed text, when it has a range. */
export function offsetOf(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}
