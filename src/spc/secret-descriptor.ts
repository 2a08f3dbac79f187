import type { JmesExpression } from "./jmes/compile-jmes-path.ts";

/** The two AWS services an object can come from, spelled as the SPC `objectType` values. */
export type ObjectType = "secretsmanager" | "ssmparameter";

/** How the `pathTranslation` parameter turns object names into file paths. */
export type PathTranslation =
  /** Replace every `/` of the name with this single character (default `_`). */
  | { kind: "replace"; with: string }
  /** `False`: drop leading `/`s, inner `/`s make subdirectories. */
  | { kind: "keep" };

/** Validated top-level `spec.parameters` of a SecretProviderClass (SPEC §3), minus `objects`. */
export interface SpcParameters {
  /** SPC `region`, when given. */
  region: string | undefined;
  /** SPC `failoverRegion`, when given. */
  failoverRegion: string | undefined;
  pathTranslation: PathTranslation;
  /** `usePodIdentity`: EKS Pod Identity instead of IRSA. */
  usePodIdentity: boolean;
  preferredAddressType: "ipv4" | "ipv6" | "auto";
  /** Optional cross-account role chained on top of the pod's identity (SPEC §4.5). */
  assumeRole:
    | { roleArn: string; externalId: string | undefined; durationSeconds: number | undefined }
    | undefined;
}

/** A `jmesPath` entry of an object: one string extracted from a JSON value into its own file. */
export interface JmesPathEntry {
  /** The JMESPath expression, as written. */
  path: string;
  /** `path` compiled once, when the SecretProviderClass is validated. */
  expression: JmesExpression;
  /** File name relative to the target directory (already a clean relative path). */
  filePath: string;
  /** File mode bits (0–0o777). */
  mode: number;
}

/** The `failoverObject` of an object: what to ask for in the failover region. */
export interface FailoverObject {
  objectName: string;
  objectVersion: string | undefined;
  objectVersionLabel: string | undefined;
}

/** One validated entry of the SPC `objects` list, ready to fetch and render. */
export interface SecretDescriptor {
  /** Position in the `objects` list, for messages (`objects[3]`). */
  index: number;
  objectType: ObjectType;
  /** Name or ARN, as written in the SPC. */
  objectName: string;
  objectAlias: string | undefined;
  /** SM `VersionId` / SSM version number. */
  objectVersion: string | undefined;
  /** SM `VersionStage` / SSM label. */
  objectVersionLabel: string | undefined;
  /** File path relative to the target directory: alias or translated name, already validated. */
  filePath: string;
  /** File mode bits (0–0o777): `filePermission` or the request's default permission. */
  mode: number;
  jmesPath: JmesPathEntry[];
  failoverObject: FailoverObject | undefined;
}

/** A problem found while validating an SPC. Problems are collected, then reported together. */
export interface Problem {
  /** Where: `objects[2].jmesPath[0].objectAlias`, or a parameter name such as `region`. */
  where: string;
  /** What is wrong, sentence case, no trailing period. */
  message: string;
  /**
   * Character offset of the offending YAML node inside the `objects` string, when known
   * (lets `validate` print file:line:column).
   */
  offset?: number;
}
