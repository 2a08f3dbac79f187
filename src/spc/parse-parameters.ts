import { parseGoBool } from "../parse-go-bool.ts";
import { attributeKeys } from "./attribute-keys.ts";
import { checkFailoverRegion } from "./check-failover-region.ts";
import { quote } from "./report-problem.ts";
import type { PathTranslation, Problem, SpcParameters } from "./secret-descriptor.ts";
import { suggestFieldName } from "./suggest-field-name.ts";

/** SPC parameter keys read here (SPEC §3); `objects` is read by `parseObjects`. */
export const parameterKeys = {
  objects: "objects",
  region: "region",
  failoverRegion: "failoverRegion",
  pathTranslation: "pathTranslation",
  usePodIdentity: "usePodIdentity",
  preferredAddressType: "preferredAddressType",
  assumeRoleArn: "assumeRoleArn",
  assumeRoleExternalId: "assumeRoleExternalId",
  assumeRoleDurationSeconds: "assumeRoleDurationSeconds",
} as const;

// Partition prefixes are 2-4 letters (`us`, `cn`, `eusc`), then 1-3 words, then a number:
// us-east-1, us-gov-west-1, cn-northwest-1, eu-isoe-west-1, us-isob-east-1, eusc-de-east-1.
const regionPattern = /^[a-z]{2,4}(?:-[a-z]+){1,3}-[0-9]{1,2}$/;
// IAM role names and path elements use [\w+=,.@-]; a role name is at most 64 characters.
const roleArnPattern =
  /^arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
// STS AssumeRole ExternalId: 2-1224 characters of [\w+=,.@:/-].
const externalIdPattern = /^[\w+=,.@:/-]{2,1224}$/;

const addressTypes = ["ipv4", "ipv6", "auto"] as const;

/**
 * Validates the top-level SPC parameters (SPEC §3) other than `objects`.
 * An empty string counts as absent, because the driver passes keys with `""` when a volume
 * attribute is declared but not set. Defaults: pathTranslation `_`, usePodIdentity false,
 * preferredAddressType `auto`.
 *
 * Every problem is appended to `problems` (`where` = the parameter name) and the parameter then
 * takes its default (or `undefined`), so the caller can go on validating the objects. Every key
 * that is no parameter is appended to `warnings` with the closest parameter name: keys are
 * case-sensitive, so a `usepodidentity` would otherwise silently mean IRSA.
 */
export function parseParameters(
  attributes: Readonly<Record<string, string>>,
  problems: Problem[],
  warnings: Problem[],
): SpcParameters {
  warnUnknownKeys(attributes, warnings);
  const read = (key: string): string | undefined => {
    const value = Object.hasOwn(attributes, key) ? attributes[key] : undefined;
    return value === "" ? undefined : value;
  };
  const fail = (where: string, message: string) => problems.push({ where, message });

  const region = readRegion(read(parameterKeys.region), parameterKeys.region, fail);
  let failoverRegion = readRegion(
    read(parameterKeys.failoverRegion),
    parameterKeys.failoverRegion,
    fail,
  );
  // AWS_REGION and the node's label are checked where they are known (readSpc, resolveRegions).
  const sameRegion = checkFailoverRegion(failoverRegion, { region, source: '"region"' });
  if (sameRegion !== undefined) {
    fail(parameterKeys.failoverRegion, sameRegion);
    failoverRegion = undefined;
  }
  return {
    region,
    failoverRegion,
    pathTranslation: readPathTranslation(read(parameterKeys.pathTranslation), fail),
    usePodIdentity: readUsePodIdentity(read(parameterKeys.usePodIdentity), fail),
    preferredAddressType: readAddressType(read(parameterKeys.preferredAddressType), fail),
    assumeRole: readAssumeRole(read, fail),
  };
}

type Fail = (where: string, message: string) => void;

const knownParameters: readonly string[] = Object.values(parameterKeys);

/**
 * Warns about keys that are neither a parameter nor set by the kubelet or the driver. Theirs are
 * `secretProviderClass` and namespaced keys such as `csi.storage.k8s.io/pod.name`; the pod
 * volume's own attributes reach us too and are checked like the SPC's (SPEC §2).
 */
function warnUnknownKeys(attributes: Readonly<Record<string, string>>, warnings: Problem[]): void {
  for (const key of Object.keys(attributes)) {
    if (knownParameters.includes(key) || key === attributeKeys.secretProviderClass) continue;
    if (key.includes("/")) continue;
    warnings.push({
      where: key,
      message: `unknown parameter ${quote(key)} is ignored (parameter names are case-sensitive)${suggestFieldName(key, knownParameters, { noun: "parameters" })}`,
    });
  }
}

function readRegion(value: string | undefined, key: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  if (regionPattern.test(value)) return value;
  fail(key, `${quote(value)} is not an AWS region name such as "us-east-1" or "eu-west-2"`);
  return undefined;
}

function readPathTranslation(value: string | undefined, fail: Fail): PathTranslation {
  const fallback: PathTranslation = { kind: "replace", with: "_" };
  if (value === undefined) return fallback;
  if (value.toLowerCase() === "false") return { kind: "keep" };
  // One character means one code point, so "é" works although it is two UTF-8 bytes.
  if ([...value].length !== 1) {
    fail(
      parameterKeys.pathTranslation,
      `${quote(value)} is not allowed: use "False" or a single character such as "_" (the default)`,
    );
    return fallback;
  }
  if (value === "\0") {
    fail(
      parameterKeys.pathTranslation,
      "cannot be a NUL character, which no file name may contain",
    );
    return fallback;
  }
  return { kind: "replace", with: value };
}

function readUsePodIdentity(value: string | undefined, fail: Fail): boolean {
  if (value === undefined) return false;
  // Parity: upstream reads usePodIdentity with Go's strconv.ParseBool.
  const parsed = parseGoBool(value);
  if (parsed === undefined) {
    fail(parameterKeys.usePodIdentity, `${quote(value)} is not a boolean: use "true" or "false"`);
    return false;
  }
  return parsed;
}

function readAddressType(
  value: string | undefined,
  fail: Fail,
): SpcParameters["preferredAddressType"] {
  if (value === undefined) return "auto";
  const lower = value.toLowerCase();
  const known = addressTypes.find((type) => type === lower);
  if (known === undefined) {
    fail(
      parameterKeys.preferredAddressType,
      `${quote(value)} is not allowed: use "ipv4", "ipv6" or "auto"`,
    );
    return "auto";
  }
  return known;
}

function readAssumeRole(
  read: (key: string) => string | undefined,
  fail: Fail,
): SpcParameters["assumeRole"] {
  const roleArn = read(parameterKeys.assumeRoleArn);
  const externalId = read(parameterKeys.assumeRoleExternalId);
  const duration = read(parameterKeys.assumeRoleDurationSeconds);
  if (roleArn === undefined) {
    for (const [key, value] of [
      [parameterKeys.assumeRoleExternalId, externalId],
      [parameterKeys.assumeRoleDurationSeconds, duration],
    ] as const) {
      if (value !== undefined)
        fail(key, 'is set without "assumeRoleArn": set assumeRoleArn or remove it');
    }
    return undefined;
  }
  let isValid = true;
  if (!roleArnPattern.test(roleArn)) {
    isValid = false;
    fail(
      parameterKeys.assumeRoleArn,
      `${quote(roleArn)} is not an IAM role ARN such as "arn:aws:iam::111122223333:role/my-role"`,
    );
  }
  // The value is not echoed: an external id is meant to stay between the two accounts.
  if (externalId !== undefined && !externalIdPattern.test(externalId)) {
    isValid = false;
    fail(
      parameterKeys.assumeRoleExternalId,
      "must be 2 to 1224 characters of letters, digits and the symbols +=,.@:/-",
    );
  }
  let durationSeconds: number | undefined;
  if (duration !== undefined) {
    durationSeconds = /^[0-9]{1,6}$/.test(duration) ? Number(duration) : Number.NaN;
    if (!(durationSeconds >= 900 && durationSeconds <= 43_200)) {
      isValid = false;
      fail(
        parameterKeys.assumeRoleDurationSeconds,
        `${quote(duration)} is not allowed: use a whole number of seconds from 900 to 43200`,
      );
    }
  }
  return isValid ? { roleArn, externalId, durationSeconds } : undefined;
}
