import { createSemaphore, type Semaphore } from "../async/create-semaphore.ts";
import type { Redacted } from "../redacted.ts";
import type { AwsApis } from "./aws-apis.ts";
import type { AwsCredentials } from "./aws-credentials.ts";
import { createCopyOnce } from "./copy-once.ts";

/**
 * `--max-concurrent-aws-calls`: every AWS request of the process (retries included) takes a slot
 * of one semaphore, so a burst of mounts queues here instead of overwhelming AWS quotas. One
 * region may hold at most three quarters of the slots, so a region that stopped answering cannot
 * starve mounts that use another.
 */
export function limitAwsApis(aws: AwsApis, limit: number): AwsApis {
  const processWide = createSemaphore(limit);
  const regionLimit = Math.max(1, Math.ceil((limit * 3) / 4));
  const perRegion = new Map<string, Semaphore>();
  const copyOf = createCopyOnce();
  const limited =
    <A extends unknown[], R>(region: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const { signal } = args.at(-1) as { signal: AbortSignal };
      let regional = perRegion.get(region);
      if (!regional) {
        regional = createSemaphore(regionLimit);
        perRegion.set(region, regional);
      }
      return regional.run(signal, () => processWide.run(signal, () => call(...args)));
    };
  return {
    sts(region: string, credentials?: Redacted<AwsCredentials>) {
      const sts = aws.sts(region, credentials);
      return copyOf(sts, () => ({
        assumeRoleWithWebIdentity: limited(region, sts.assumeRoleWithWebIdentity),
        assumeRole: limited(region, sts.assumeRole),
      }));
    },
    forRegion(region, credentials) {
      const regional = aws.forRegion(region, credentials);
      const { secretsManager, ssm } = regional;
      return copyOf(regional, () => ({
        secretsManager: {
          getSecretValue: limited(region, secretsManager.getSecretValue),
          batchGetSecretValue: limited(region, secretsManager.batchGetSecretValue),
        },
        ssm: { getParameters: limited(region, ssm.getParameters) },
      }));
    },
  };
}
