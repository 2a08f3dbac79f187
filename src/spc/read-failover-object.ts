import { isMap } from "yaml";
import { arnKind, checkArn, objectKind } from "./check-arn.ts";
import { checkSsmVersions } from "./check-ssm-versions.ts";
import { describeNode, isBlank, offsetOf } from "./describe-node.ts";
import type { ParseContext } from "./parse-context.ts";
import {
  type Fields,
  readRequired,
  readText,
  readYamlFields,
  reportFieldIssues,
} from "./read-yaml-fields.ts";
import { quote, reportProblem } from "./report-problem.ts";
import { deref } from "./resolve-anchors.ts";
import type { FailoverObject, ObjectType } from "./secret-descriptor.ts";

const failoverFields = ["objectName", "objectVersion", "objectVersionLabel"] as const;

/** What {@link readFailoverObject} checks the failover object against: the object around it. */
export interface FailoverParent {
  /** The object's `where`, such as `objects[0] ("db")`. */
  where: string;
  objectType: ObjectType | undefined;
  objectAlias: string | undefined;
  objectVersion: string | undefined;
}

/**
 * The `failoverObject` of an object. It needs the `failoverRegion` parameter and an objectAlias
 * on the object; an ARN objectName must be in failoverRegion and of the object's type; its
 * objectVersion must equal the object's.
 * @returns the failover object, or `undefined` when absent or without objectName
 */
export function readFailoverObject(
  fields: Fields,
  parent: FailoverParent,
  ctx: ParseContext,
): FailoverObject | undefined {
  const node = deref(fields.get("failoverObject"), ctx.anchors);
  if (isBlank(node)) return undefined;
  const where = `${parent.where}.failoverObject`;
  if (!isMap(node)) {
    reportProblem(
      ctx.problems,
      where,
      `must be a map with objectName, got ${describeNode(node)}`,
      offsetOf(node),
    );
    return undefined;
  }
  const failover = readYamlFields(node, failoverFields, ctx);
  reportFieldIssues(failover, where, ctx);
  const objectName = readRequired(failover, "objectName", where, ctx);
  const objectVersion = readText(failover, "objectVersion", where, ctx);
  const objectVersionLabel = readText(failover, "objectVersionLabel", where, ctx);
  const failoverRegion = ctx.options.parameters.failoverRegion;

  // Parity: provider/secret_descriptor.go requires an alias, so the file name does not change
  // with the region that answered.
  if (parent.objectAlias === undefined) {
    reportProblem(
      ctx.problems,
      `${parent.where}.objectAlias`,
      "is required when failoverObject is set, so that both regions write the same file",
      fields.offset,
    );
  }
  if (failoverRegion === undefined) {
    reportProblem(
      ctx.problems,
      where,
      'needs a valid "failoverRegion" parameter: set failoverRegion or remove failoverObject',
      offsetOf(node),
    );
  }
  if (objectName?.startsWith("arn:")) {
    const arnType = checkArn(
      objectName,
      { where: `${where}.objectName`, node: failover.get("objectName") },
      { region: failoverRegion, regionName: "failoverRegion" },
      ctx.problems,
    );
    if (arnType !== undefined && parent.objectType !== undefined && arnType !== parent.objectType) {
      reportProblem(
        ctx.problems,
        `${where}.objectName`,
        `is ${arnKind[arnType]}, but the object is ${objectKind[parent.objectType]}`,
        offsetOf(failover.get("objectName")),
      );
    }
  }
  if (parent.objectType === "ssmparameter") {
    checkSsmVersions(objectVersion, objectVersionLabel, failover, where, ctx.problems);
  }
  if (objectVersion !== parent.objectVersion) {
    const at = `${where}.objectVersion`;
    const offset = offsetOf(failover.get("objectVersion")) ?? offsetOf(node);
    reportProblem(ctx.problems, at, versionMismatch(objectVersion, parent.objectVersion), offset);
  }
  if (objectName === undefined) return undefined;
  return { objectName, objectVersion, objectVersionLabel };
}

/** The message for a failover objectVersion that differs from the object's. */
function versionMismatch(version: string | undefined, parentVersion: string | undefined): string {
  if (version === undefined)
    return `is required and must equal the objectVersion of the object, ${quote(parentVersion ?? "")}`;
  if (parentVersion === undefined)
    return `${quote(version)} must not be set, because the object has no objectVersion`;
  return `${quote(version)} must equal the objectVersion of the object, ${quote(parentVersion)}`;
}
