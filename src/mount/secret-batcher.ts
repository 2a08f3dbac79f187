import { type BatchOutcome, createBatcher } from "../async/create-batcher.ts";
import { AwsError, toAwsErrorFromCode } from "../aws/aws-errors.ts";
import type { SecretsManagerApi, SecretValue } from "../aws/secrets-manager.ts";
import type { CallOptions } from "../call-options.ts";
import { Code } from "../errors.ts";

/** At most this many ids per BatchGetSecretValue call (a Secrets Manager limit). */
export const secretBatchSize = 20;

/**
 * `--secretsmanager-batch`: the AWSCURRENT values of secrets asked for in the same tick, fetched
 * with BatchGetSecretValue (≤20 ids per call). Per-secret errors go to their own object. When the
 * batch call itself is denied (the role may allow GetSecretValue but not BatchGetSecretValue) or
 * throttled, each secret is fetched with GetSecretValue instead.
 */
export function createSecretBatcher(
  sm: SecretsManagerApi,
  options: CallOptions,
): (secretId: string) => Promise<SecretValue> {
  return createBatcher(secretBatchSize, async (ids) => {
    let result: Awaited<ReturnType<SecretsManagerApi["batchGetSecretValue"]>>;
    try {
      result = await sm.batchGetSecretValue(ids, options);
    } catch (error) {
      if (!(error instanceof AwsError) || !isWorthSingleCalls(error)) throw error;
      return fetchOneByOne(sm, ids, options);
    }
    const outcomes = new Map<string, BatchOutcome<SecretValue>>();
    for (const id of ids) {
      const value = result.values.find(
        (v) => v.name === id || v.arn === id || v.arn.startsWith(`${id}-`),
      );
      const error = result.errors.find((e) => e.secretId === id);
      if (value) outcomes.set(id, { ok: true, value });
      else if (error) {
        outcomes.set(id, { ok: false, error: toAwsErrorFromCode(error.errorCode, error.message) });
      }
    }
    return outcomes;
  });
}

/** The role may allow GetSecretValue but not BatchGetSecretValue, or batches may be throttled. */
function isWorthSingleCalls(error: AwsError): boolean {
  return (
    error.code === Code.PermissionDenied ||
    (error.isServerSide && /throttl|toomanyrequests/i.test(error.awsCode))
  );
}

async function fetchOneByOne(sm: SecretsManagerApi, ids: string[], options: CallOptions) {
  const settled = await Promise.allSettled(
    ids.map((secretId) =>
      sm.getSecretValue({ secretId, versionId: undefined, versionStage: undefined }, options),
    ),
  );
  return new Map<string, BatchOutcome<SecretValue>>(
    settled.map((outcome, index) => [
      ids[index] ?? "",
      outcome.status === "fulfilled"
        ? { ok: true, value: outcome.value }
        : { ok: false, error: outcome.reason },
    ]),
  );
}
