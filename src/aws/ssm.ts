import type { GetParametersCommandOutput, Parameter, SSMClient } from "@aws-sdk/client-ssm";
import { type CallOptions, countAwsCall } from "../call-options.ts";
import { Redacted } from "../redacted.ts";
import { toAwsError } from "./aws-errors.ts";
import { loadAwsSdk } from "./load-aws-sdk.ts";

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
 * Adapts an SDK `SSMClient` (bound to a region and credentials), built lazily by `client()`.
 * @throws AwsError for every failure, classified by {@link toAwsError}
 */
export function createSsmApi(client: () => Promise<SSMClient>): SsmApi {
  return {
    async getParameters(names, options) {
      countAwsCall(options);
      let output: GetParametersCommandOutput;
      try {
        const { GetParametersCommand } = (await loadAwsSdk()).ssm;
        output = await (await client()).send(
          new GetParametersCommand({ Names: names, WithDecryption: true }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        throw toAwsError(error);
      }
      return {
        parameters: (output.Parameters ?? []).map(toParameterValue),
        invalidParameters: output.InvalidParameters ?? [],
      };
    },
  };
}

const encoder = new TextEncoder();

function toParameterValue(parameter: Parameter): SsmParameterValue {
  return {
    name: parameter.Name ?? "",
    selector: parameter.Selector || undefined,
    arn: parameter.ARN ?? "",
    version: String(parameter.Version ?? ""),
    bytes: new Redacted(encoder.encode(parameter.Value ?? "")),
  };
}
