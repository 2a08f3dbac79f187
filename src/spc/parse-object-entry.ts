import { isMap } from "yaml";
import { arnKind, checkArn } from "./check-arn.ts";
import { checkSsmVersions } from "./check-ssm-versions.ts";
import { claimFilePath } from "./claim-file-path.ts";
import { describeNode, offsetOf } from "./describe-node.ts";
import type { ParseContext } from "./parse-context.ts";
import { readFailoverObject } from "./read-failover-object.ts";
import { readFilePermission } from "./read-file-permission.ts";
import { readJmesPath } from "./read-jmes-path.ts";
import {
  type Fields,
  peekText,
  readRequired,
  readText,
  readYamlFields,
  reportFieldIssues,
} from "./read-yaml-fields.ts";
import { quote, reportProblem } from "./report-problem.ts";
import { deref } from "./resolve-anchors.ts";
import type { ObjectType, SecretDescriptor } from "./secret-descriptor.ts";

const objectFields = [
  "objectName",
  "objectType",
  "objectAlias",
  "objectVersion",
  "objectVersionLabel",
  "filePermission",
  "jmesPath",
  "failoverObject",
] as const;

const objectTypes: readonly ObjectType[] = ["secretsmanager", "ssmparameter"];

/**
 * Parses and validates entry `index` of the `objects` list, claiming its file paths in `ctx`.
 * Problems name the entry as `objects[i] ("objectName")` when its objectName can be read.
 * @returns the descriptor, or `undefined` when the entry added any problem
 */
export function parseObjectEntry(
  item: unknown,
  index: number,
  ctx: ParseContext,
): SecretDescriptor | undefined {
  const problemsBefore = ctx.problems.length;
  const node = deref(item, ctx.anchors);
  if (!isMap(node)) {
    reportProblem(
      ctx.problems,
      `objects[${index}]`,
      `must be a map with objectName and objectType, got ${describeNode(node)}`,
      offsetOf(node),
    );
    return undefined;
  }
  const fields = readYamlFields(node, objectFields, ctx);
  const peekedName = peekText(fields.get("objectName"), ctx);
  const where =
    peekedName === undefined ? `objects[${index}]` : `objects[${index}] (${quote(peekedName)})`;
  reportFieldIssues(fields, where, ctx);

  const objectName = readRequired(fields, "objectName", where, ctx);
  const typeText = readText(fields, "objectType", where, ctx);
  const objectAlias = readText(fields, "objectAlias", where, ctx);
  const objectVersion = readText(fields, "objectVersion", where, ctx);
  const objectVersionLabel = readText(fields, "objectVersionLabel", where, ctx);
  const mode = readFilePermission(fields, where, ctx) ?? ctx.options.defaultMode;

  const objectType = readObjectType(objectName, typeText, fields, where, ctx);
  if (objectType === "ssmparameter")
    checkSsmVersions(objectVersion, objectVersionLabel, fields, where, ctx.problems);

  const fileSource = objectAlias === undefined ? "objectName" : "objectAlias";
  const fileName = objectAlias ?? objectName;
  const filePath =
    fileName === undefined
      ? undefined
      : claimFilePath(fileName, `${where}.${fileSource}`, fields.get(fileSource), ctx);
  const jmesPath = readJmesPath(fields, where, mode, ctx);
  const failoverObject = readFailoverObject(
    fields,
    { where, objectType, objectAlias, objectVersion },
    ctx,
  );

  if (ctx.problems.length > problemsBefore) return undefined;
  if (objectName === undefined || objectType === undefined || filePath === undefined)
    return undefined;
  return {
    index,
    objectType,
    objectName,
    objectAlias,
    objectVersion,
    objectVersionLabel,
    filePath,
    mode,
    jmesPath,
    failoverObject,
  };
}

/**
 * The type from `objectType` and, for an ARN, from its service; checks the ARN against the
 * primary region. Parity: provider/secret_descriptor.go validateObjectName (but the objectType
 * value is matched case-insensitively here).
 */
function readObjectType(
  objectName: string | undefined,
  typeText: string | undefined,
  fields: Fields,
  where: string,
  ctx: ParseContext,
): ObjectType | undefined {
  let objectType: ObjectType | undefined;
  if (typeText !== undefined) {
    objectType = objectTypes.find((type) => type === typeText.toLowerCase());
    if (objectType === undefined) {
      const fix =
        typeText.toLowerCase() === "ssm"
          ? 'use "ssmparameter"'
          : 'use "secretsmanager" or "ssmparameter"';
      reportProblem(
        ctx.problems,
        `${where}.objectType`,
        `${quote(typeText)} is not an object type: ${fix}`,
        offsetOf(fields.get("objectType")),
      );
      return undefined;
    }
  }
  if (objectName === undefined) return objectType;
  if (!objectName.startsWith("arn:")) {
    if (typeText === undefined) {
      reportProblem(
        ctx.problems,
        `${where}.objectType`,
        'is required when objectName is not an ARN: use "secretsmanager" or "ssmparameter"',
        fields.offset,
      );
    }
    return objectType;
  }
  const arnType = checkArn(
    objectName,
    { where: `${where}.objectName`, node: fields.get("objectName") },
    { region: ctx.options.region, regionName: "the region" },
    ctx.problems,
  );
  if (arnType !== undefined && objectType !== undefined && arnType !== objectType) {
    reportProblem(
      ctx.problems,
      `${where}.objectType`,
      `${quote(typeText ?? "")} does not match the ARN in objectName, which is ${arnKind[arnType]}`,
      offsetOf(fields.get("objectType")),
    );
    return undefined;
  }
  return objectType ?? arnType;
}
