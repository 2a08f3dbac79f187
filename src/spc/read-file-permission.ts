import { offsetOf } from "./describe-node.ts";
import { type Fields, readText, type YamlReadContext } from "./read-yaml-fields.ts";
import { quote, reportProblem } from "./report-problem.ts";

/**
 * The `filePermission` field as mode bits: exactly 4 octal digits starting with 0 (`"0600"`).
 * @returns the mode, or `undefined` when the field is absent or invalid (a problem then)
 */
export function readFilePermission(
  fields: Fields,
  where: string,
  ctx: YamlReadContext,
): number | undefined {
  const text = readText(fields, "filePermission", where, ctx);
  if (text === undefined) return undefined;
  if (/^0[0-7]{3}$/.test(text)) return Number.parseInt(text, 8);
  reportProblem(
    ctx.problems,
    `${where}.filePermission`,
    `${quote(text)} must be 4 octal digits starting with 0, such as "0600"`,
    offsetOf(fields.get("filePermission")),
  );
  return undefined;
}
