import type { Scalar } from "yaml";

/**
 * Maps `offset`, a character offset inside the string value of a YAML scalar, back to an offset in
 * the `source` the scalar was parsed from. Exact for literal block scalars (`|`, `|-`, `|+`, any
 * indentation) whose lines keep their text, and for one-line plain or quoted scalars without
 * escapes; `undefined` otherwise (folded `>` blocks, escapes, multi-line flow scalars), where the
 * caller falls back to the scalar's own position.
 */
export function toSourceOffset(source: string, node: Scalar, offset: number): number | undefined {
  const value = node.value;
  const range = node.range;
  if (typeof value !== "string" || !range || offset < 0 || offset > value.length) return undefined;
  const [start, end] = range;
  switch (node.type) {
    case "BLOCK_LITERAL":
      return fromBlockLiteral(source, range, value, offset);
    case "PLAIN":
      return source.slice(start, end) === value ? start + offset : undefined;
    case "QUOTE_DOUBLE":
    case "QUOTE_SINGLE":
      return source.slice(start + 1, end - 1) === value ? start + 1 + offset : undefined;
    default:
      return undefined;
  }
}

/**
 * Line k of a literal block's value is source line k after the header, minus the block's
 * indentation, so only the indentation has to be found again, per line.
 */
function fromBlockLiteral(
  source: string,
  [start, end]: readonly [number, number, number],
  value: string,
  offset: number,
): number | undefined {
  const lineIndex = countNewlines(value, offset);
  const lineStartInValue = value.lastIndexOf("\n", offset - 1) + 1;
  const lineEndInValue = value.indexOf("\n", lineStartInValue);
  const valueLine = value.slice(
    lineStartInValue,
    lineEndInValue === -1 ? value.length : lineEndInValue,
  );
  // Content starts on the line after the header (`|`, chomping/indentation indicators, comment).
  let lineStart = source.indexOf("\n", start) + 1;
  if (lineStart === 0) return undefined;
  for (let i = 0; i < lineIndex; i++) {
    const next = source.indexOf("\n", lineStart);
    if (next === -1) return undefined;
    lineStart = next + 1;
  }
  if (lineStart > end) return undefined;
  let lineEnd = source.indexOf("\n", lineStart);
  if (lineEnd === -1) lineEnd = source.length;
  const sourceLine = source.slice(lineStart, lineEnd).replace(/\r$/, "");
  const indent = sourceLine.length - valueLine.length;
  if (indent < 0 || !sourceLine.endsWith(valueLine) || !/^ *$/.test(sourceLine.slice(0, indent))) {
    return undefined;
  }
  return lineStart + indent + (offset - lineStartInValue);
}

function countNewlines(text: string, before: number): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < before; i = text.indexOf("\n", i + 1)) count++;
  return count;
}
