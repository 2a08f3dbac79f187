import { Code, ProviderError } from "../errors.ts";
import { joinWithin } from "../join-within.ts";
import { Redacted } from "../redacted.ts";
import { attributeKeys } from "../spc/attribute-keys.ts";

/** The pod a Mount is for, as kubelet describes it. */
export interface PodInfo {
  name: string;
  namespace: string;
  uid: string;
  serviceAccountName: string;
}

/** A MountRequest, decoded and checked, before the SecretProviderClass itself is validated. */
export interface MountParams {
  /** Every SPC parameter and pod attribute (string to string). */
  attributes: Readonly<Record<string, string>>;
  pod: PodInfo;
  /** Name of the SecretProviderClass (for messages and logs); empty when the driver sent none. */
  secretProviderClass: string;
  /** Default file mode from `permission`, 0–0o777. */
  defaultMode: number;
  targetPath: string;
  /** The raw `serviceAccount.tokens` attribute, parsed only by the identity stage. */
  tokens: Redacted<string> | undefined;
}

/**
 * The MountRequest fields read here. `secrets` is deliberately absent: it is never read; so is
 * `current_object_version`, since every Mount is answered with current data (SPEC §5.4).
 */
export interface MountRequestFields {
  attributes: string;
  /** `attributes` as the server already parsed it (for its log labels): not parsed again. */
  parsedAttributes?: unknown;
  targetPath: string;
  permission: string;
}

/**
 * Decodes the request envelope: `attributes` must be a JSON object of strings, `permission`
 * decimal JSON of a mode within 0–0777, and the pod keys kubelet always sends must be present.
 * The `secrets` field (nodePublishSecretRef) is ignored and never logged.
 * @throws ProviderError INVALID_ARGUMENT naming the field that is wrong
 */
export function readRequest(request: MountRequestFields): MountParams {
  const attributes = readAttributes(request.attributes, request.parsedAttributes);
  const problems: string[] = [];
  const required = (key: string): string => {
    const value = attributes[key];
    if (value === undefined || value === "") problems.push(`attribute "${key}" is missing`);
    return value ?? "";
  };
  const pod: PodInfo = {
    name: required(attributeKeys.podName),
    namespace: required(attributeKeys.podNamespace),
    uid: attributes[attributeKeys.podUid] ?? "",
    serviceAccountName: required(attributeKeys.serviceAccountName),
  };
  const defaultMode = readPermission(request.permission, problems);
  // Parity with the driver's own check; in driver-writes mode nothing is written there.
  if (request.targetPath === "") problems.push("target_path is missing");
  if (problems.length > 0) {
    throw new ProviderError(
      Code.InvalidArgument,
      `Invalid MountRequest: ${joinWithin(problems, { separator: "; ", more: (n) => `… and ${n} more` })}`,
      { reason: "InvalidRequest" },
    );
  }
  const tokens = attributes[attributeKeys.serviceAccountTokens];
  return {
    attributes,
    pod,
    secretProviderClass: attributes[attributeKeys.secretProviderClass] ?? "",
    defaultMode,
    targetPath: request.targetPath,
    tokens: tokens === undefined ? undefined : new Redacted(tokens),
  };
}

function readAttributes(text: string, alreadyParsed: unknown): Record<string, string> {
  let parsed = alreadyParsed;
  try {
    parsed ??= JSON.parse(text);
  } catch {
    // The parser's message quotes the offending text, which may be part of a token: leave it out.
    throw new ProviderError(
      Code.InvalidArgument,
      `Invalid MountRequest: attributes is not valid JSON (${text.length} characters)`,
      { reason: "InvalidRequest" },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ProviderError(
      Code.InvalidArgument,
      "Invalid MountRequest: attributes must be a JSON object",
      {
        reason: "InvalidRequest",
      },
    );
  }
  const attributes: Record<string, string> = Object.create(null);
  const wrong: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "string") attributes[key] = value;
    else wrong.push(`"${key}"`);
  }
  if (wrong.length > 0) {
    throw new ProviderError(
      Code.InvalidArgument,
      `Invalid MountRequest: attribute values must be strings, not for ${joinWithin(wrong, {
        separator: ", ",
        maxItemBytes: 100,
        more: (n) => `… and ${n} more`,
      })}`,
      { reason: "InvalidRequest" },
    );
  }
  return attributes;
}

function readPermission(text: string, problems: string[]): number {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0o777) {
    problems.push(
      `permission must be a decimal file mode from 0 to 511 (0777), got "${text.slice(0, 40)}"`,
    );
    return 0;
  }
  return value;
}
