import type * as SecretsManagerSdk from "@aws-sdk/client-secrets-manager";
import type * as SsmSdk from "@aws-sdk/client-ssm";
import type * as StsSdk from "@aws-sdk/client-sts";
import type * as SmithyRetry from "@smithy/core/retry";
import type * as SmithySigV4 from "@smithy/signature-v4";

/**
 * The AWS SDK v3 packages the lean clients (`client/`) are made of: the three service clients'
 * endpoint rules, the SigV4 signer and the retry strategies.
 */
export interface AwsSdk {
  secretsManager: typeof SecretsManagerSdk;
  ssm: typeof SsmSdk;
  sts: typeof StsSdk;
  signatureV4: typeof SmithySigV4;
  retry: typeof SmithyRetry;
}

let loading: Promise<AwsSdk> | undefined;

/**
 * The AWS SDK packages, evaluated on the first call (the same promise afterwards).
 * Evaluating them costs about 20 ms of CPU, half of the provider's start-up once the bundle ships
 * as bytecode (measured with `make bench`: 40 → 25 ms); under upstream's 50m CPU limit that is
 * 400 ms before the socket could listen. So start-up leaves them out and `provider.ts` loads them
 * right after the socket listens, before the first Mount normally arrives; `validate` never does.
 */
export function loadAwsSdk(): Promise<AwsSdk> {
  loading ??= Promise.all([
    import("@aws-sdk/client-secrets-manager"),
    import("@aws-sdk/client-ssm"),
    import("@aws-sdk/client-sts"),
    import("@smithy/signature-v4"),
    import("@smithy/core/retry"),
  ]).then(([secretsManager, ssm, sts, signatureV4, retry]) => ({
    secretsManager,
    ssm,
    sts,
    signatureV4,
    retry,
  }));
  return loading;
}
