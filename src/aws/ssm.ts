import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Redacted } from "../redacted.ts";
import type { AwsJsonClient } from "./client/aws-json-client.ts";
import { records, text, texts } from "./client/read-answer.ts";

/** One parameter returned by GetParameters. */
export interface SsmParameterValue {
  /** Name as AWS returns it (a name, or the ARN when the request used one). */
  name: string;
  /** `:3` or `:label` when the request used a selector. */
  selector: string | undefined;
  arn: string;
  /** Version number as decimal text. */
  version: string;
  bytes: Redacted<Uint8Array>;
}

/** The answer of one GetParameters call. */
export interface GetParametersResult {
  parameters: SsmParameterValue[];
  /** Requested names (with selector) that do not exist, exactly as requested. */
  invalidParameters: string[];
}

/** The SSM Parameter Store calls the provider makes (port). */
export interface SsmApi {
  /** At most 10 names (with optional `:version` / `:label` selector); always decrypted. */
  getParameters(names: string[], options: CallOptions): Promise<GetParametersResult>;
}

/**
 * Adapts a lean SSM client (bound to a region and credentials), built lazily by `client()`.
 * @throws AwsError for every failure, classified where it was caught
 */
export function createSsmApi(client: () => Promise<AwsJsonClient>): SsmApi {
  return {
    async getParameters(names, options) {
      countAwsCall(options);
      const output = await (await client()).call(
        "GetParameters",
        { Names: names, WithDecryption: true },
        options,
      );
      return {
        parameters: records(output["Parameters"]).map(toParameterValue),
        invalidParameters: texts(output["InvalidParameters"]),
      };
    },
  };
}

const encoder = new TextEncoder();

function toParameterValue(parameter: Record<string, unknown>): SsmParameterValue {
  const version = parameter["Version"];
  return {
    name: text(parameter["Name"]) ?? "",
    selector: text(parameter["Selector"]) || undefined,
    arn: text(parameter["ARN"]) ?? "",
    version: typeof version === "number" ? String(version) : "",
    bytes: new Redacted(encoder.encode(text(parameter["Value"]) ?? "")),
  };
}
