import type { FakeAws } from "../fake-aws.ts";
import type {
  FakeGrant,
  ParameterType,
  PutSecretInput,
  RoleDefinition,
  WebIdentityTrust,
} from "./types.ts";

/**
 * JSON seed for a standalone fake (`scripts/fake-aws-server.ts`). Every list is optional.
 * Binary secrets are given as base64 in `secretBinaryBase64`.
 */
export interface FakeAwsSeed {
  accountId?: string;
  webIdentityTokens?: Array<{ token: string } & WebIdentityTrust>;
  roles?: Array<{ roleArn: string } & RoleDefinition>;
  grants?: Array<{ roleArn: string } & FakeGrant>;
  secrets?: Array<{
    region: string;
    name: string;
    secretString?: string;
    secretBinaryBase64?: string;
    versionId?: string;
    versionStages?: string[];
  }>;
  parameters?: Array<{
    region: string;
    name: string;
    type: ParameterType;
    value: string;
    labels?: string[];
  }>;
}

type Json = { [key: string]: unknown };

function fail(path: string, expected: string): never {
  throw new Error(`fake-aws seed: ${path} must be ${expected}`);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "an object");
  return value as Json;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(path, "an array");
  return value;
}

function text(item: Json, key: string, path: string): string {
  const value = item[key];
  if (typeof value !== "string") fail(`${path}.${key}`, "a string");
  return value;
}

function optionalText(item: Json, key: string, path: string): string | undefined {
  return item[key] === undefined ? undefined : text(item, key, path);
}

function optionalTexts(item: Json, key: string, path: string): string[] | undefined {
  const value = item[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) {
    fail(`${path}.${key}`, "an array of strings");
  }
  return value;
}

/** Copies `key` into `target` only when present (exactOptionalPropertyTypes-safe). */
function setIf<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

/**
 * Validates a parsed seed and loads it into `fake`.
 * @throws Error naming the first malformed field
 */
export function applySeed(fake: FakeAws, seed: unknown): void {
  const root = object(seed, "seed");
  list(root["webIdentityTokens"], "webIdentityTokens").forEach((raw, index) => {
    const path = `webIdentityTokens[${index}]`;
    const item = object(raw, path);
    const trust: WebIdentityTrust = {};
    setIf(trust, "roleArns", optionalTexts(item, "roleArns", path));
    setIf(trust, "subject", optionalText(item, "subject", path));
    if (item["expired"] === true) trust.expired = true;
    fake.trustWebIdentity(text(item, "token", path), trust);
  });
  list(root["roles"], "roles").forEach((raw, index) => {
    const path = `roles[${index}]`;
    const item = object(raw, path);
    const role: RoleDefinition = {};
    setIf(role, "externalId", optionalText(item, "externalId", path));
    setIf(role, "trustedPrincipals", optionalTexts(item, "trustedPrincipals", path));
    const max = item["maxSessionDurationSeconds"];
    if (typeof max === "number") role.maxSessionDurationSeconds = max;
    fake.defineRole(text(item, "roleArn", path), role);
  });
  list(root["grants"], "grants").forEach((raw, index) => {
    const path = `grants[${index}]`;
    const item = object(raw, path);
    const service = item["service"];
    if (service !== "secretsmanager" && service !== "ssm")
      fail(`${path}.service`, '"secretsmanager" or "ssm"');
    const grant: FakeGrant = { service, resource: text(item, "resource", path) };
    setIf(grant, "actions", optionalTexts(item, "actions", path));
    fake.grant(text(item, "roleArn", path), grant);
  });
  list(root["secrets"], "secrets").forEach((raw, index) => {
    const path = `secrets[${index}]`;
    const item = object(raw, path);
    const input: PutSecretInput = { name: text(item, "name", path) };
    setIf(input, "secretString", optionalText(item, "secretString", path));
    const binary = optionalText(item, "secretBinaryBase64", path);
    if (binary !== undefined) input.secretBinary = new Uint8Array(Buffer.from(binary, "base64"));
    setIf(input, "versionId", optionalText(item, "versionId", path));
    setIf(input, "versionStages", optionalTexts(item, "versionStages", path));
    fake.putSecret(text(item, "region", path), input);
  });
  list(root["parameters"], "parameters").forEach((raw, index) => {
    const path = `parameters[${index}]`;
    const item = object(raw, path);
    const type = item["type"];
    if (type !== "String" && type !== "StringList" && type !== "SecureString") {
      fail(`${path}.type`, '"String", "StringList" or "SecureString"');
    }
    const labels = optionalTexts(item, "labels", path);
    fake.putParameter(text(item, "region", path), {
      name: text(item, "name", path),
      type,
      value: text(item, "value", path),
      ...(labels ? { labels } : {}),
    });
  });
}

/** The seed's `accountId`, read before the fake is created. */
export function seedAccountId(seed: unknown): string | undefined {
  const root = object(seed, "seed");
  return optionalText(root, "accountId", "seed");
}
