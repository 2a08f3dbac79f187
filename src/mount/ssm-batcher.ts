import { type BatchOutcome, createBatcher } from "../async/create-batcher.ts";
import { AwsError } from "../aws/aws-errors.ts";
import type { SsmApi, SsmParameterValue } from "../aws/ssm.ts";
import type { CallOptions } from "../call-options.ts";
import { Code } from "../errors.ts";

/** At most this many names per GetParameters call (an SSM limit). */
export const ssmBatchSize = 10;

/**
 * SSM parameters asked for in the same tick, fetched with GetParameters (≤10 names per call,
 * `name`, `name:version` or `name:label`, names may be ARNs), each awaited on its own.
 */
export function createSsmBatcher(
  ssm: SsmApi,
  options: CallOptions,
): (selector: string) => Promise<SsmParameterValue> {
  return createBatcher(ssmBatchSize, async (names) => {
    const result = await ssm.getParameters(names, options);
    const invalid = new Set(result.invalidParameters);
    const outcomes = new Map<string, BatchOutcome<SsmParameterValue>>();
    for (const name of names) {
      const found = result.parameters.find((p) => matches(p, name));
      outcomes.set(
        name,
        found
          ? { ok: true, value: found }
          : { ok: false, error: notFound(name, invalid.has(name)) },
      );
    }
    return outcomes;
  });
}

/** A requested `name[:selector]` (name may be an ARN) against one returned parameter. */
function matches(parameter: SsmParameterValue, requested: string): boolean {
  const selector = parameter.selector ?? "";
  return (
    `${parameter.name}${selector}` === requested || `${parameter.arn}${selector}` === requested
  );
}

/**
 * GetParameters lists a missing name in `InvalidParameters` without telling name, version and
 * label apart (SPEC §5.1): NOT_FOUND under the code SSM's GetParameter would use. A name that was
 * neither returned nor listed cannot be mounted either.
 */
function notFound(name: string, isListed: boolean): AwsError {
  return new AwsError(Code.NotFound, {
    awsCode: "ParameterNotFound",
    awsMessage: `Parameter "${name}" ${isListed ? "does not exist" : "was not returned"} (GetParameters InvalidParameters)`,
    isServerSide: false,
  });
}
