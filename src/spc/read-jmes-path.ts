import { isMap, isSeq } from "yaml";
import { claimFilePath } from "./claim-file-path.ts";
import { describeNode, isBlank, offsetOf } from "./describe-node.ts";
import { compileJmesPath, type JmesExpression } from "./jmes/compile-jmes-path.ts";
import { JmesError } from "./jmes/jmes-error.ts";
import type { ParseContext } from "./parse-context.ts";
import { readFilePermission } from "./read-file-permission.ts";
import {
  type Fields,
  readRequired,
  readYamlFields,
  reportFieldIssues,
  type YamlReadContext,
} from "./read-yaml-fields.ts";
import { quote, reportProblem } from "./report-problem.ts";
import { deref } from "./resolve-anchors.ts";
import type { JmesPathEntry } from "./secret-descriptor.ts";
import { spcLimits } from "./spc-limits.ts";

const jmesPathFields = ["path", "objectAlias", "filePermission"] as const;

/**
 * The `jmesPath` list of an object: each entry needs a valid JMESPath `path` and an `objectAlias`
 * whose file path is claimed like the object's own; `filePermission` defaults to `parentMode`.
 * Each path is compiled here, once per SecretProviderClass; at most
 * {@link spcLimits.jmesPathEntries} entries.
 * @returns the entries without problems, in order
 */
export function readJmesPath(
  fields: Fields,
  where: string,
  parentMode: number,
  ctx: ParseContext,
): JmesPathEntry[] {
  const node = deref(fields.get("jmesPath"), ctx.anchors);
  if (isBlank(node)) return [];
  if (!isSeq(node)) {
    reportProblem(
      ctx.problems,
      `${where}.jmesPath`,
      `must be a list of {path, objectAlias} maps, got ${describeNode(node)}`,
      offsetOf(node),
    );
    return [];
  }
  if (node.items.length > spcLimits.jmesPathEntries) {
    reportProblem(
      ctx.problems,
      `${where}.jmesPath`,
      `has ${node.items.length} entries, more than the limit of ${spcLimits.jmesPathEntries}`,
      offsetOf(node),
    );
    return [];
  }
  const entries: JmesPathEntry[] = [];
  node.items.forEach((item, index) => {
    const entryWhere = `${where}.jmesPath[${index}]`;
    const entry = deref(item, ctx.anchors);
    if (!isMap(entry)) {
      reportProblem(
        ctx.problems,
        entryWhere,
        `must be a map with path and objectAlias, got ${describeNode(entry)}`,
        offsetOf(entry),
      );
      return;
    }
    const entryFields = readYamlFields(entry, jmesPathFields, ctx);
    reportFieldIssues(entryFields, entryWhere, ctx);
    const path = readRequired(entryFields, "path", entryWhere, ctx);
    const expression =
      path === undefined ? undefined : readExpression(path, entryFields, entryWhere, ctx);
    const alias = readRequired(entryFields, "objectAlias", entryWhere, ctx);
    const mode = readFilePermission(entryFields, entryWhere, ctx) ?? parentMode;
    const filePath =
      alias === undefined
        ? undefined
        : claimFilePath(alias, `${entryWhere}.objectAlias`, entryFields.get("objectAlias"), ctx);
    if (path !== undefined && expression !== undefined && filePath !== undefined)
      entries.push({ path, expression, filePath, mode });
  });
  return entries;
}

/** `path` compiled; reports a problem, with a hint for dashed keys, if it does not compile. */
function readExpression(
  path: string,
  fields: Fields,
  where: string,
  ctx: YamlReadContext,
): JmesExpression | undefined {
  try {
    return compileJmesPath(path);
  } catch (error) {
    if (!(error instanceof JmesError)) throw error;
    const offset = offsetOf(fields.get("path"));
    if (error.limit !== undefined) {
      reportProblem(ctx.problems, `${where}.path`, `${quote(path)} ${error.message}`, offset);
      return undefined;
    }
    // `user-name` parses as `user - name`, the usual mistake with secrets whose keys have dashes.
    const hint =
      /\w-\w/.test(path) && !path.includes('"')
        ? `; put keys that contain "-" in double quotes, as in '"user-name"'`
        : "";
    reportProblem(
      ctx.problems,
      `${where}.path`,
      `${quote(path)} is not a valid JMESPath expression: ${error.message}${hint}`,
      offset,
    );
    return undefined;
  }
}
