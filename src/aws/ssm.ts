import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Redacted } from "../redacted.ts";
import type { AwsClient } from "./client/aws-client.ts";
import { jsonRequest } from "./client/json-protocol.ts";
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

/** The `X-Amz-Target` prefix of the service. */
const target = "AmazonSSM";

/**
 * Adapts a lean SSM client (bound to a region and credentials), built lazily by `client()`.
 * @throws AwsError for every failure, classified where it was caught
 */
export function createSsmApi(client: () => Promise<AwsClient>): SsmApi {
  return {
    async getParameters(names, options) {
      countAwsCall(options);
      const output = await (await client()).send(
        jsonRequest(target, "GetParameters", { Names: names, WithDecryption: true }),
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
