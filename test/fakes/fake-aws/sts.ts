import type { IdentityStore } from "./identity.ts";
import type { ReceivedRequest } from "./sigv4.ts";
import type { FakeCredentials } from "./types.ts";
import { AwsFault, keyIdAlphabet, randomChars, type XmlNode } from "./wire.ts";

/** STS actions the fake implements (awsQuery, form-encoded `Action=…`). */
export const stsOperations = ["AssumeRoleWithWebIdentity", "AssumeRole", "GetCallerIdentity"];

/** Operations the SDK sends without a signature. */
export const unsignedStsOperations = new Set(["AssumeRoleWithWebIdentity"]);

const roleChainingLimitSeconds = 3600;
const defaultRoleMaxSeconds = 3600;

function validationError(message: string): AwsFault {
  return new AwsFault(400, "ValidationError", message);
}

function requireParam(params: URLSearchParams, name: string, member: string): string {
  const value = params.get(name);
  if (value === null || value === "") {
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function checkSessionName(sessionName: string): void {
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw validationError(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
}

function durationParam(params: URLSearchParams): number | undefined {
  const raw = params.get("DurationSeconds");
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43200) {
    throw validationError(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900 and less than or equal to 43200`,
    );
  }
  return seconds;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function credentialsXml(credentials: FakeCredentials): XmlNode {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: iso(credentials.expiration),
  };
}

function assumedRoleUser(identity: IdentityStore, credentials: FakeCredentials): XmlNode {
  const roleId = `AROA${randomChars(17, keyIdAlphabet)}`;
  return {
    AssumedRoleId: `${roleId}:${credentials.sessionName}`,
    Arn: identity.principalArn(credentials),
  };
}

/** `AssumeRoleWithWebIdentity`: checks the token against `trustWebIdentity` and mints credentials. */
export function assumeRoleWithWebIdentity(
  identity: IdentityStore,
  params: URLSearchParams,
): XmlNode {
  const roleArn = requireParam(params, "RoleArn", "roleArn");
  const sessionName = requireParam(params, "RoleSessionName", "roleSessionName");
  const token = requireParam(params, "WebIdentityToken", "webIdentityToken");
  checkSessionName(sessionName);
  const duration = durationParam(params);
  const trust = identity.webIdentity(token);
  if (!trust) {
    throw new AwsFault(
      400,
      "InvalidIdentityToken",
      "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.",
    );
  }
  if (trust.expired) {
    throw new AwsFault(
      400,
      "ExpiredTokenException",
      "The web identity token that was passed is expired or is not valid. Get a new identity token from the identity provider and then retry the request.",
    );
  }
  if (trust.roleArns && !trust.roleArns.includes(roleArn)) {
    throw new AwsFault(
      403,
      "AccessDenied",
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    );
  }
  const maxSeconds = identity.role(roleArn)?.maxSessionDurationSeconds ?? defaultRoleMaxSeconds;
  if (duration !== undefined && duration > maxSeconds) {
    throw validationError(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  }
  const credentials = identity.issue(roleArn, sessionName, duration);
  return {
    Credentials: credentialsXml(credentials),
    SubjectFromWebIdentityToken: trust.subject ?? "system:serviceaccount:default:default",
    AssumedRoleUser: assumedRoleUser(identity, credentials),
    Provider: `arn:aws:iam::${identity.accountId}:oidc-provider/oidc.eks.fake.amazonaws.com`,
    Audience: "sts.amazonaws.com",
  };
}

/** `AssumeRole` by an authenticated role session (role chaining: at most one hour). */
export function assumeRole(
  identity: IdentityStore,
  caller: FakeCredentials,
  params: URLSearchParams,
): XmlNode {
  const roleArn = requireParam(params, "RoleArn", "roleArn");
  const sessionName = requireParam(params, "RoleSessionName", "roleSessionName");
  checkSessionName(sessionName);
  const duration = durationParam(params);
  const role = identity.role(roleArn);
  const externalId = params.get("ExternalId") ?? undefined;
  const trusted =
    role !== undefined &&
    (!role.trustedPrincipals || role.trustedPrincipals.includes(caller.roleArn)) &&
    (role.externalId === undefined || role.externalId === externalId);
  if (!trusted) {
    throw new AwsFault(
      403,
      "AccessDenied",
      `User: ${identity.principalArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  }
  if (duration !== undefined && duration > roleChainingLimitSeconds) {
    throw validationError(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }
  if (
    duration !== undefined &&
    duration > (role.maxSessionDurationSeconds ?? defaultRoleMaxSeconds)
  ) {
    throw validationError(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  }
  const credentials = identity.issue(roleArn, sessionName, duration);
  return {
    Credentials: credentialsXml(credentials),
    AssumedRoleUser: assumedRoleUser(identity, credentials),
  };
}

/** `GetCallerIdentity` of an authenticated role session. */
export function getCallerIdentity(identity: IdentityStore, caller: FakeCredentials): XmlNode {
  const arn = identity.principalArn(caller);
  return {
    UserId: `AROA${randomChars(17, keyIdAlphabet)}:${caller.sessionName}`,
    Account: arn.split(":")[4] ?? identity.accountId,
    Arn: arn,
  };
}

/**
 * Runs one STS action. Signed actions are authenticated here.
 * @throws AwsFault for every STS error (validation, auth, trust)
 */
export async function handleSts(
  identity: IdentityStore,
  operation: string,
  params: URLSearchParams,
  request: ReceivedRequest,
): Promise<XmlNode> {
  if (operation === "AssumeRoleWithWebIdentity") return assumeRoleWithWebIdentity(identity, params);
  const { credentials } = await identity.authenticate(request, "sts", "query");
  if (operation === "AssumeRole") return assumeRole(identity, credentials, params);
  if (operation === "GetCallerIdentity") return getCallerIdentity(identity, credentials);
  throw new AwsFault(
    400,
    "InvalidAction",
    `Could not find operation ${operation} for version 2011-06-15`,
  );
}
