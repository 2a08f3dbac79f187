import { Code, ProviderError } from "../errors.ts";
import type { SpcParameters } from "./secret-descriptor.ts";

/** Where a Mount's objects are fetched. */
export interface Regions {
  primary: string;
  failover: string | undefined;
}

/**
 * Primary region: the SPC `region`, else `AWS_REGION` of the provider (SPEC §4.4).
 * @throws ProviderError INVALID_ARGUMENT naming the places looked at when neither is set
 */
export function resolveRegions(parameters: SpcParameters, awsRegion: string | undefined): Regions {
  const primary = parameters.region ?? awsRegion;
  if (primary === undefined) {
    throw new ProviderError(
      Code.InvalidArgument,
      'Cannot determine the AWS region: the SecretProviderClass has no "region" parameter and the ' +
        "provider has no AWS_REGION; set one of them",
      { reason: "NoRegion" },
    );
  }
  return { primary, failover: parameters.failoverRegion };
}
