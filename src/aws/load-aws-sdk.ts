import type * as SecretsManagerRules from "@aws-sdk/client-secrets-manager/dist-es/endpoint/endpointResolver.js";
import type * as SsmRules from "@aws-sdk/client-ssm/dist-es/endpoint/endpointResolver.js";
import type * as StsRules from "@aws-sdk/client-sts/dist-es/endpoint/endpointResolver.js";
import type * as SmithyRetry from "@smithy/core/retry";

/**
 * The AWS SDK v3 pieces the lean clients (`client/`) are made of: the three service clients'
 * endpoint rules and the retry strategies (signing is `client/sign-v4.ts`).
 */
export interface AwsSdk {
  /** Each service client's own endpoint rules (what its `config.endpointProvider` is). */
  endpointRules: {
    secretsManager: typeof SecretsManagerRules.defaultEndpointResolver;
    ssm: typeof SsmRules.defaultEndpointResolver;
    sts: typeof StsRules.defaultEndpointResolver;
  };
  retry: typeof SmithyRetry;
}

let loading: Promise<AwsSdk> | undefined;

/**
 * The AWS SDK pieces, evaluated on the first call (the same promise afterwards). Start-up leaves
 * them out and `provider.ts` loads them right after the socket listens, before the first Mount
 * normally arrives; `validate` never does: under upstream's 50m CPU limit every millisecond of
 * start-up CPU is 20 ms before the socket listens.
 *
 * The endpoint rules are imported from inside the client packages (which have no exports map)
 * rather than through their index: the rest of a client package (commands, schemas, the
 * middleware stack and its credential providers) is never used, and bundling it made the
 * executable's bundle half as large again (1.6 instead of 1.06 MB), which every start-up loads.
 * `resolve-endpoint.test.ts` checks the rules' answers, so an SDK update that moves them fails.
 */
export function loadAwsSdk(): Promise<AwsSdk> {
  loading ??= Promise.all([
    import("@aws-sdk/client-secrets-manager/dist-es/endpoint/endpointResolver.js"),
    import("@aws-sdk/client-ssm/dist-es/endpoint/endpointResolver.js"),
    import("@aws-sdk/client-sts/dist-es/endpoint/endpointResolver.js"),
    import("@smithy/core/retry"),
  ]).then(([secretsManager, ssm, sts, retry]) => ({
    endpointRules: {
      secretsManager: secretsManager.defaultEndpointResolver,
      ssm: ssm.defaultEndpointResolver,
      sts: sts.defaultEndpointResolver,
    },
    retry,
  }));
  return loading;
}
