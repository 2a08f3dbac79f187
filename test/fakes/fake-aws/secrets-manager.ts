import type { IdentityStore } from "./identity.ts";
import type { FakeCredentials, PutSecretInput, PutSecretResult } from "./types.ts";
import {
  AwsFault,
  alphanumeric,
  epochSeconds,
  type JsonObject,
  optionalString,
  optionalStringList,
  randomChars,
} from "./wire.ts";

interface SecretVersion {
  versionId: string;
  secretString: string | undefined;
  secretBinary: Uint8Array | undefined;
  stages: Set<string>;
  createdMs: number;
}

interface StoredSecret {
  name: string;
  arn: string;
  createdMs: number;
  lastChangedMs: number;
  /** Insertion-ordered, oldest first. */
  versions: Map<string, SecretVersion>;
  /** Roles whose KMS decrypt is denied; `"*"` = everyone. */
  decryptDenied: Set<string>;
}

const notFoundMessage = "Secrets Manager can't find the specified secret.";
const maxBatchIds = 20;

function notFound(message = notFoundMessage): AwsFault {
  return new AwsFault(400, "ResourceNotFoundException", message);
}

/** Secrets per region, and the Secrets Manager operations over them. */
export class SecretsManagerStore {
  readonly #regions = new Map<string, Map<string, StoredSecret>>();

  constructor(readonly identity: IdentityStore) {}

  /** Every SecretString stored, in any region (for leak scans of the provider's output). */
  secretStrings(): string[] {
    const out: string[] = [];
    for (const secrets of this.#regions.values()) {
      for (const secret of secrets.values()) {
        for (const version of secret.versions.values()) {
          if (version.secretString !== undefined) out.push(version.secretString);
        }
      }
    }
    return out;
  }

  #region(region: string): Map<string, StoredSecret> {
    let secrets = this.#regions.get(region);
    if (!secrets) {
      secrets = new Map();
      this.#regions.set(region, secrets);
    }
    return secrets;
  }

  /** Adds a version (creating the secret on first put); see `FakeAws.putSecret`. */
  put(region: string, input: PutSecretInput): PutSecretResult {
    if ((input.secretString === undefined) === (input.secretBinary === undefined)) {
      throw new Error(`putSecret(${input.name}): give exactly one of secretString, secretBinary`);
    }
    const now = this.identity.now();
    const secrets = this.#region(region);
    let secret = secrets.get(input.name);
    if (!secret) {
      const arn = `arn:aws:secretsmanager:${region}:${this.identity.accountId}:secret:${input.name}-${randomChars(6, alphanumeric)}`;
      secret = {
        name: input.name,
        arn,
        createdMs: now,
        lastChangedMs: now,
        versions: new Map(),
        decryptDenied: new Set(),
      };
      secrets.set(input.name, secret);
    }
    const versionId = input.versionId ?? crypto.randomUUID();
    if (secret.versions.has(versionId)) {
      throw new Error(`putSecret(${input.name}): version ${versionId} already exists`);
    }
    const stages = new Set(input.versionStages ?? ["AWSCURRENT"]);
    if (stages.has("AWSCURRENT")) {
      for (const version of secret.versions.values()) {
        version.stages.delete("AWSPREVIOUS");
        if (version.stages.delete("AWSCURRENT")) version.stages.add("AWSPREVIOUS");
      }
    }
    for (const version of secret.versions.values()) {
      for (const stage of stages) version.stages.delete(stage);
    }
    secret.versions.set(versionId, {
      versionId,
      secretString: input.secretString,
      secretBinary: input.secretBinary ? new Uint8Array(input.secretBinary) : undefined,
      stages,
      createdMs: now,
    });
    secret.lastChangedMs = now;
    return { arn: secret.arn, name: secret.name, versionId };
  }

  /** Makes GetSecretValue of this secret fail with DecryptionFailure (for `roleArn`, or everyone). */
  denyDecrypt(region: string, secretId: string, roleArn?: string): void {
    const secret = this.#resolve(region, secretId);
    if (!secret) throw new Error(`denyDecrypt: no secret ${secretId} in ${region}`);
    secret.decryptDenied.add(roleArn ?? "*");
  }

  /** Name, full ARN or partial ARN (without the 6-character suffix), in this region's store. */
  #resolve(region: string, secretId: string): StoredSecret | undefined {
    const secrets = this.#regions.get(region);
    if (!secrets) return undefined;
    if (!secretId.startsWith("arn:")) return secrets.get(secretId);
    const parts = secretId.split(":");
    const prefix = ["arn", "aws", "secretsmanager", region, this.identity.accountId, "secret"];
    if (parts.length < 7 || prefix.some((part, index) => parts[index] !== part)) return undefined;
    const resource = parts.slice(6).join(":");
    for (const secret of secrets.values()) {
      if (secret.arn === secretId) return secret;
    }
    return secrets.get(resource);
  }

  /** Resolves and authorizes `secretId` for `action`; AccessDenied comes before NotFound, as in AWS. */
  #authorized(
    region: string,
    secretId: string,
    caller: FakeCredentials,
    action: string,
  ): StoredSecret {
    const secret = this.#resolve(region, secretId);
    const resources = secret ? [secret.arn, secret.name] : [secretId];
    if (!this.identity.isAllowed(caller.roleArn, "secretsmanager", action, resources)) {
      throw this.identity.accessDenied(caller, "secretsmanager", action, secret?.arn ?? secretId);
    }
    if (!secret) throw notFound();
    return secret;
  }

  #secretValue(
    region: string,
    caller: FakeCredentials,
    secretId: string,
    versionId: string | undefined,
    versionStage: string | undefined,
  ): JsonObject {
    const secret = this.#authorized(region, secretId, caller, "GetSecretValue");
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (!version) {
        throw notFound(
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        );
      }
      if (versionStage !== undefined && !version.stages.has(versionStage)) {
        throw new AwsFault(
          400,
          "InvalidRequestException",
          "You provided a VersionStage that is not associated to the provided VersionId.",
        );
      }
    } else {
      const stage = versionStage ?? "AWSCURRENT";
      version = [...secret.versions.values()].find((candidate) => candidate.stages.has(stage));
      if (!version) {
        throw notFound(
          `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
        );
      }
    }
    if (secret.decryptDenied.has("*") || secret.decryptDenied.has(caller.roleArn)) {
      throw new AwsFault(
        400,
        "DecryptionFailure",
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      );
    }
    const output: JsonObject = {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      VersionStages: [...version.stages],
      CreatedDate: epochSeconds(version.createdMs),
    };
    if (version.secretString !== undefined) output["SecretString"] = version.secretString;
    if (version.secretBinary !== undefined) {
      output["SecretBinary"] = Buffer.from(version.secretBinary).toString("base64");
    }
    return output;
  }

  #getSecretValue(region: string, caller: FakeCredentials, input: JsonObject): JsonObject {
    const secretId = optionalString(input, "SecretId");
    if (secretId === undefined) {
      throw new AwsFault(
        400,
        "ValidationException",
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
      );
    }
    return this.#secretValue(
      region,
      caller,
      secretId,
      optionalString(input, "VersionId"),
      optionalString(input, "VersionStage"),
    );
  }

  #batchGetSecretValue(region: string, caller: FakeCredentials, input: JsonObject): JsonObject {
    const ids = optionalStringList(input, "SecretIdList");
    const hasFilters = input["Filters"] !== undefined && input["Filters"] !== null;
    if (ids !== undefined && hasFilters) {
      throw new AwsFault(
        400,
        "InvalidParameterException",
        "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
      );
    }
    if (hasFilters) {
      throw new AwsFault(400, "InvalidRequestException", "The fake supports SecretIdList only.");
    }
    if (ids === undefined || ids.length === 0) {
      throw new AwsFault(
        400,
        "InvalidParameterException",
        "Either 'SecretIdList' or 'Filters' must be provided.",
      );
    }
    if (ids.length > maxBatchIds) {
      throw new AwsFault(
        400,
        "ValidationException",
        `1 validation error detected: Value '[${ids.join(", ")}]' at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to ${maxBatchIds}`,
      );
    }
    // BatchGetSecretValue itself is authorized on resource "*"; each secret needs GetSecretValue.
    if (!this.identity.isAllowed(caller.roleArn, "secretsmanager", "BatchGetSecretValue", ["*"])) {
      throw this.identity.accessDenied(caller, "secretsmanager", "BatchGetSecretValue", "*");
    }
    const secretValues: JsonObject[] = [];
    const errors: JsonObject[] = [];
    for (const secretId of ids) {
      try {
        secretValues.push(this.#secretValue(region, caller, secretId, undefined, undefined));
      } catch (error) {
        if (!(error instanceof AwsFault)) throw error;
        errors.push({ SecretId: secretId, ErrorCode: error.code, Message: error.message });
      }
    }
    return { SecretValues: secretValues, Errors: errors };
  }

  #describeSecret(region: string, caller: FakeCredentials, input: JsonObject): JsonObject {
    const secretId = optionalString(input, "SecretId") ?? "";
    const secret = this.#authorized(region, secretId, caller, "DescribeSecret");
    const versionIdsToStages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.size > 0) versionIdsToStages[version.versionId] = [...version.stages];
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: false,
      CreatedDate: epochSeconds(secret.createdMs),
      LastChangedDate: epochSeconds(secret.lastChangedMs),
      VersionIdsToStages: versionIdsToStages,
    };
  }

  /**
   * Runs one Secrets Manager operation for an authenticated caller in the credential-scope region.
   * @throws AwsFault for every Secrets Manager error
   */
  handle(
    operation: string,
    input: JsonObject,
    caller: FakeCredentials,
    region: string,
  ): JsonObject {
    switch (operation) {
      case "GetSecretValue":
        return this.#getSecretValue(region, caller, input);
      case "BatchGetSecretValue":
        return this.#batchGetSecretValue(region, caller, input);
      case "DescribeSecret":
        return this.#describeSecret(region, caller, input);
      default:
        throw new AwsFault(400, "UnknownOperationException", `Unknown operation ${operation}`);
    }
  }
}
