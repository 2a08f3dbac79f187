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
 * Collects the SSM parameters asked for in the same tick and fetches them with as few
 * GetParameters calls as possible (≤10 names each), so each object can still be awaited on its
 * own. Identical selectors share one request.
 */
export function createSsmBatcher(
  ssm: SsmApi,
  signal: AbortSignal,
): (selector: string) => Promise<SsmParameterValue> {
  let pending = new Map<string, PromiseWithResolvers<SsmParameterValue>>();
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = new Map();
    const selectors = [...batch.keys()];
    for (let start = 0; start < selectors.length; start += ssmBatchSize) {
      const names = selectors.slice(start, start + ssmBatchSize);
      ssm.getParameters(names, { signal }).then(
        (result) => {
          const invalid = new Set(result.invalidParameters);
          for (const name of names) {
            const waiter = batch.get(name);
            const found = result.parameters.find((p) => matches(p, name));
            if (found) waiter?.resolve(found);
            else {
              const reason = invalid.has(name) ? "does not exist" : "was not returned";
              waiter?.reject(
                new InvalidParameterError(
                  `Parameter "${name}" ${reason} (GetParameters InvalidParameters)`,
                ),
              );
            }
          }
        },
        (error: unknown) => {
          for (const name of names) batch.get(name)?.reject(error);
        },
      );
    }
  };

  return (selector) => {
    const known = pending.get(selector);
    if (known) return known.promise;
    const waiter = Promise.withResolvers<SsmParameterValue>();
    pending.set(selector, waiter);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
    return waiter.promise;
  };
}

/** A requested `name[:selector]` (name may be an ARN) against one returned parameter. */
function matches(parameter: SsmParameterValue, requested: string): boolean {
  const selector = parameter.selector ?? "";
  return (
    `${parameter.name}${selector}` === requested || `${parameter.arn}${selector}` === requested
  );
}
