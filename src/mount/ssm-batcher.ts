import { type BatchOutcome, createBatcher } from "../async/create-batcher.ts";
import type { SsmApi, SsmParameterValue } from "../aws/ssm.ts";

/** At most this many names per GetParameters call (an SSM limit). */
export const ssmBatchSize = 10;

/**
 * Thrown (per parameter) when GetParameters lists the requested name in `InvalidParameters`.
 * The answer says "does not exist" without telling name, version and label apart.
 */
export class InvalidParameterError extends Error {
  override name = "ParameterNotFound";
}

/**
 * SSM parameters asked for in the same tick, fetched with GetParameters (≤10 names per call,
 * `name`, `name:version` or `name:label`, names may be ARNs), each awaited on its own.
 */
export function createSsmBatcher(
  ssm: SsmApi,
  signal: AbortSignal,
): (selector: string) => Promise<SsmParameterValue> {
  return createBatcher(ssmBatchSize, async (names) => {
    const result = await ssm.getParameters(names, { signal });
    const invalid = new Set(result.invalidParameters);
    const outcomes = new Map<string, BatchOutcome<SsmParameterValue>>();
    for (const name of names) {
      const found = result.parameters.find((p) => matches(p, name));
      const reason = invalid.has(name) ? "does not exist" : "was not returned";
      outcomes.set(
        name,
        found
          ? { ok: true, value: found }
          : {
              ok: false,
              error: new InvalidParameterError(
                `Parameter "${name}" ${reason} (GetParameters InvalidParameters)`,
              ),
            },
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
