import { createHash } from "node:crypto";
import type { IdentityStore } from "./identity.ts";
import type {
  FakeCredentials,
  ParameterType,
  PutParameterInput,
  PutParameterResult,
} from "./types.ts";
import { AwsFault, epochSeconds, type JsonObject, optionalStringList } from "./wire.ts";

interface ParameterVersion {
  version: number;
  type: ParameterType;
  value: string;
  labels: Set<string>;
  modifiedMs: number;
}

interface StoredParameter {
  name: string;
  arn: string;
  /** Index = version - 1. */
  versions: ParameterVersion[];
}

/** A `Names` entry of GetParameters, split into the name part and the `:version`/`:label` selector. */
interface ParsedName {
  requested: string;
  /** Names to try in the store (an ARN's resource may stand for `/a/b` or `a`). */
  candidates: string[];
  selector: string | undefined;
  /** The ARN the IAM check is made on. */
  arn: string;
}

const maxNames = 10;

/** Parameters per region, and the SSM operations over them. */
export class SsmStore {
  readonly #regions = new Map<string, Map<string, StoredParameter>>();

  constructor(readonly identity: IdentityStore) {}

  /** Every parameter value stored, in any region (for leak scans of the provider's output). */
  values(): string[] {
    return [...this.#regions.values()].flatMap((parameters) =>
      [...parameters.values()].flatMap((parameter) => parameter.versions.map((v) => v.value)),
    );
  }

  #arn(region: string, name: string): string {
    return `arn:aws:ssm:${region}:${this.identity.accountId}:parameter/${name.replace(/^\//, "")}`;
  }

  /** Adds a version (creating the parameter on first put); see `FakeAws.putParameter`. */
  put(region: string, input: PutParameterInput): PutParameterResult {
    let parameters = this.#regions.get(region);
    if (!parameters) {
      parameters = new Map();
      this.#regions.set(region, parameters);
    }
    let parameter = parameters.get(input.name);
    if (!parameter) {
      parameter = { name: input.name, arn: this.#arn(region, input.name), versions: [] };
      parameters.set(input.name, parameter);
    }
    const labels = new Set(input.labels ?? []);
    for (const older of parameter.versions) {
      for (const label of labels) older.labels.delete(label);
    }
    const version = parameter.versions.length + 1;
    parameter.versions.push({
      version,
      type: input.type,
      value: input.value,
      labels,
      modifiedMs: this.identity.now(),
    });
    return { arn: parameter.arn, name: parameter.name, version };
  }

  #parse(region: string, requested: string): ParsedName {
    let nameWithSelector = requested;
    let fromArn = false;
    if (requested.startsWith("arn:")) {
      const parts = requested.split(":");
      const resource = parts.slice(5).join(":");
      const sameScope =
        parts[1] === "aws" &&
        parts[2] === "ssm" &&
        parts[3] === region &&
        parts[4] === this.identity.accountId &&
        resource.startsWith("parameter/");
      // An ARN of another region or account never resolves here.
      if (!sameScope) return { requested, candidates: [], selector: undefined, arn: requested };
      nameWithSelector = resource.slice("parameter/".length);
      fromArn = true;
    }
    const colon = nameWithSelector.lastIndexOf(":");
    const name = colon < 0 ? nameWithSelector : nameWithSelector.slice(0, colon);
    const selector = colon < 0 ? undefined : nameWithSelector.slice(colon + 1);
    const candidates = fromArn ? [`/${name}`, name] : [name];
    return { requested, candidates, selector, arn: this.#arn(region, name) };
  }

  #find(
    region: string,
    parsed: ParsedName,
  ): { parameter: StoredParameter; version: ParameterVersion } | undefined {
    const parameters = this.#regions.get(region);
    const parameter = parsed.candidates
      .map((candidate) => parameters?.get(candidate))
      .find((found) => found !== undefined);
    if (!parameter) return undefined;
    const { selector } = parsed;
    let version: ParameterVersion | undefined;
    if (selector === undefined) version = parameter.versions.at(-1);
    else if (/^\d+$/.test(selector)) version = parameter.versions[Number(selector) - 1];
    else version = parameter.versions.find((candidate) => candidate.labels.has(selector));
    return version ? { parameter, version } : undefined;
  }

  #getParameters(region: string, caller: FakeCredentials, input: JsonObject): JsonObject {
    const names = optionalStringList(input, "Names") ?? [];
    if (names.length === 0 || names.length > maxNames) {
      const bound =
        names.length === 0 ? "greater than or equal to 1" : `less than or equal to ${maxNames}`;
      throw new AwsFault(
        400,
        "ValidationException",
        `1 validation error detected: Value '[${names.join(", ")}]' at 'names' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    const withDecryption = input["WithDecryption"] === true;
    const requested = [...new Set(names)].map((name) => this.#parse(region, name));
    // One name the caller may not read denies the whole call, as IAM evaluates every resource.
    for (const parsed of requested) {
      const resources = [parsed.arn, ...parsed.candidates];
      if (!this.identity.isAllowed(caller.roleArn, "ssm", "GetParameters", resources)) {
        throw this.identity.accessDenied(caller, "ssm", "GetParameters", parsed.arn);
      }
    }
    const found: JsonObject[] = [];
    const invalid: string[] = [];
    for (const parsed of requested) {
      const hit = this.#find(region, parsed);
      if (!hit) {
        invalid.push(parsed.requested);
        continue;
      }
      const { parameter, version } = hit;
      const decrypted = version.type !== "SecureString" || withDecryption;
      const entry: JsonObject = {
        Name: parameter.name,
        Type: version.type,
        Value: decrypted ? version.value : ciphertext(parameter.arn, version),
        Version: version.version,
        LastModifiedDate: epochSeconds(version.modifiedMs),
        ARN: parameter.arn,
        DataType: "text",
      };
      if (parsed.selector !== undefined) entry["Selector"] = `:${parsed.selector}`;
      found.push(entry);
    }
    return { Parameters: found, InvalidParameters: invalid };
  }

  /**
   * Runs one SSM operation for an authenticated caller in the credential-scope region.
   * @throws AwsFault for every SSM error
   */
  handle(
    operation: string,
    input: JsonObject,
    caller: FakeCredentials,
    region: string,
  ): JsonObject {
    if (operation === "GetParameters") return this.#getParameters(region, caller, input);
    throw new AwsFault(400, "UnknownOperationException", `Unknown operation ${operation}`);
  }
}

/** An opaque stand-in for a KMS ciphertext blob: stable per version, reveals nothing. */
function ciphertext(arn: string, version: ParameterVersion): string {
  const digest = createHash("sha256")
    .update(`${arn}\0${version.version}\0${version.value}`)
    .digest();
  return `AQICAH${digest.toString("base64")}`;
}
