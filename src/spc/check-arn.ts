import { offsetOf } from "./describe-node.ts";
import { parseArn } from "./parse-arn.ts";
import { quote, reportProblem } from "./report-problem.ts";
import type { ObjectType, Problem } from "./secret-descriptor.ts";

const arnServices: Readonly<Record<string, ObjectType>> = {
  secretsmanager: "secretsmanager",
  ssm: "ssmparameter",
};
const arnResourcePrefixes: Readonly<Record<ObjectType, string>> = {
  secretsmanager: "secret:",
  ssmparameter: "parameter/",
};

/** What an ARN of each object type is called in messages. */
export const arnKind: Readonly<Record<ObjectType, string>> = {
  secretsmanager: "a Secrets Manager ARN",
  ssmparameter: "an SSM parameter ARN",
};

/** What an object of each type is called in messages. */
export const objectKind: Readonly<Record<ObjectType, string>> = {
  secretsmanager: "a Secrets Manager secret",
  ssmparameter: "an SSM parameter",
};

/** Where an ARN was written: the field path for messages and its YAML node for the offset. */
export interface ArnLocation {
  where: string;
  node: unknown;
}

/** The region an ARN must be in (`undefined` skips the check) and how messages name it. */
export interface ArnRegion {
  region: string | undefined;
  regionName: string;
}

/**
 * The problem of an ARN in another region than the one it is used against, or undefined. Also
 * used once the node's region is known, which validation cannot know (SPEC §4.4).
 */
export function checkArnRegion(arnRegion: string, against: ArnRegion): string | undefined {
  if (against.region === undefined || arnRegion === against.region) return undefined;
  return `ARN region ${quote(arnRegion)} does not match ${against.regionName} ${quote(against.region)}`;
}

/**
 * Checks an ARN used as objectName (primary or failover): its syntax, service, region, account
 * and resource prefix, appending each problem to `problems`.
 * @returns the object type its service means, or `undefined` when it does not parse or names
 *   another service
 */
export function checkArn(
  text: string,
  at: ArnLocation,
  against: ArnRegion,
  problems: Problem[],
): ObjectType | undefined {
  const offset = offsetOf(at.node);
  const fail = (message: string) => reportProblem(problems, at.where, message, offset);
  const arn = parseArn(text);
  if (arn === undefined) {
    fail(
      `${quote(text)} is not a valid ARN: expected arn:<partition>:<service>:<region>:<account>:<resource>`,
    );
    return undefined;
  }
  const type = arnServices[arn.service];
  if (type === undefined) {
    fail(`ARN service ${quote(arn.service)} is not supported: use a "secretsmanager" or "ssm" ARN`);
    return undefined;
  }
  if (arn.region === "") {
    fail("ARN has no region: write the region between the service and the account");
  } else {
    const mismatch = checkArnRegion(arn.region, against);
    if (mismatch !== undefined) fail(mismatch);
  }
  if (!/^[0-9]{12}$/.test(arn.accountId)) {
    fail(`ARN account ${quote(arn.accountId)} must be 12 digits`);
  }
  const prefix = arnResourcePrefixes[type];
  if (!arn.resource.startsWith(prefix) || arn.resource.length === prefix.length) {
    fail(`${arnKind[type]} must have a resource "${prefix}<name>", got ${quote(arn.resource)}`);
  }
  return type;
}
