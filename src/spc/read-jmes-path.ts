import * as jmespath from "jmespath";
import { isMap, isSeq } from "yaml";
import { claimFilePath } from "./claim-file-path.ts";
import { describeNode, isBlank, offsetOf } from "./describe-node.ts";
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

const jmesPathFields = ["path", "objectAlias", "filePermission"] as const;

// @types/jmespath declares only `search`; jmespath 0.16 also exports `compile`, which parses
// without evaluating (an evaluation could fail for reasons that are not syntax).
const compileJmesPath: (expression: string) => unknown =
  (jmespath as unknown as { compile?: (expression: string) => unknown }).compile ??
  ((expression) => jmespath.search({}, expression));

/**
 * The `jmesPath` list of an object: each entry needs a valid JMESPath `path` and an `objectAlias`
 * whose file path is claimed like the object's own; `filePermission` defaults to `parentMode`.
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
    const isPathValid = path !== undefined && checkJmesPath(path, entryFields, entryWhere, ctx);
    const alias = readRequired(entryFields, "objectAlias", entryWhere, ctx);
    const mode = readFilePermission(entryFields, entryWhere, ctx) ?? parentMode;
    const filePath =
      alias === undefined
        ? undefined
        : claimFilePath(alias, `${entryWhere}.objectAlias`, entryFields.get("objectAlias"), ctx);
    if (isPathValid && filePath !== undefined) entries.push({ path, filePath, mode });
  });
  return entries;
}

/** Whether `path` compiles as JMESPath; reports a problem, with a hint for dashed keys, if not. */
function checkJmesPath(path: string, fields: Fields, where: string, ctx: YamlReadContext): boolean {
  try {
    compileJmesPath(path);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // `user-name` parses as `user - name`, the usual mistake with secrets whose keys have dashes.
    const hint =
      /\w-\w/.test(path) && !path.includes('"')
        ? `; put keys that contain "-" in double quotes, as in '"user-name"'`
        : "";
    reportProblem(
      ctx.problems,
      `${where}.path`,
      `${quote(path)} is not a valid JMESPath expression: ${reason}${hint}`,
      offsetOf(fields.get("path")),
    );
    return false;
  }
}
