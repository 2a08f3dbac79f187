import { Code, ProviderError } from "../errors.ts";
import { joinWithin } from "../join-within.ts";
import { attributeKeys } from "./attribute-keys.ts";
import { checkFailoverRegion } from "./check-failover-region.ts";
import { parseObjects } from "./parse-objects.ts";
import { parameterKeys, parseParameters } from "./parse-parameters.ts";
import type { Problem, SecretDescriptor, SpcParameters } from "./secret-descriptor.ts";

/** Options of {@link readSpc}. */
export interface ReadSpcOptions {
  /** Mode of files without `filePermission`: the request's `permission`. */
  defaultMode: number;
  /** The provider's `AWS_REGION`, the primary region when the SPC names none (SPEC §4.4). */
  awsRegion: string | undefined;
}

/** A SecretProviderClass that passed validation, ready for the network stages. */
export interface ValidatedSpc {
  parameters: SpcParameters;
  /** One per entry of `objects`, in SPC order. */
  descriptors: SecretDescriptor[];
  /** Harmless but questionable things (unknown fields, YAML warnings) for the log and `validate`. */
  warnings: Problem[];
}

/** Everything {@link checkSpc} found: valid parts, problems and warnings. */
export interface SpcReport extends ValidatedSpc {
  /** Empty when the SPC is valid; else `descriptors` holds only the objects without problems. */
  problems: Problem[];
}

/**
 * Validates the SecretProviderClass parameters and objects of a Mount, before any network call.
 * Every problem found is collected and reported at once, one line each, as
 * `objects[2] ("db/creds").jmesPath[0].objectAlias: is required`.
 * The node-label region (SPEC §4.4) is not known yet, so ARN regions are checked only against the
 * SPC `region` or `AWS_REGION`.
 * @throws ProviderError INVALID_ARGUMENT (reason `InvalidSecretProviderClass`) listing every problem
 */
export function readSpc(
  attributes: Readonly<Record<string, string>>,
  options: ReadSpcOptions,
): ValidatedSpc {
  const { problems, ...spc } = checkSpc(attributes, options);
  if (problems.length > 0) {
    throw new ProviderError(Code.InvalidArgument, toMessage(attributes, problems), {
      reason: "InvalidSecretProviderClass",
    });
  }
  return spc;
}

/**
 * The checks of {@link readSpc}, returning the problems (with YAML offsets) instead of throwing:
 * for the `validate` command, which prints each one with its line and column.
 */
export function checkSpc(
  attributes: Readonly<Record<string, string>>,
  options: ReadSpcOptions,
): SpcReport {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const parameters = parseParameters(attributes, problems, warnings);
  // An invalid `region` leaves the primary region unknown rather than silently AWS_REGION, so
  // that ARNs are not reported against a region the SPC did not mean.
  const isRegionInvalid = problems.some((problem) => problem.where === parameterKeys.region);
  const region = isRegionInvalid ? undefined : (parameters.region ?? options.awsRegion);
  // The SPC's own region was checked with the parameters.
  const sameRegion =
    parameters.region === undefined
      ? checkFailoverRegion(parameters.failoverRegion, {
          region,
          source: "AWS_REGION of the provider",
        })
      : undefined;
  if (sameRegion !== undefined)
    problems.push({ where: parameterKeys.failoverRegion, message: sameRegion });

  const objects = Object.hasOwn(attributes, parameterKeys.objects)
    ? attributes[parameterKeys.objects]
    : undefined;
  let descriptors: SecretDescriptor[] = [];
  if (objects === undefined || objects === "") {
    problems.push({
      where: parameterKeys.objects,
      message:
        'no objects to mount: the "objects" parameter is missing or empty; list the secrets and parameters to mount in it',
    });
  } else {
    descriptors = parseObjects(
      objects,
      { parameters, defaultMode: options.defaultMode, region },
      problems,
      warnings,
    );
  }
  return { parameters, descriptors, warnings, problems };
}

function toMessage(
  attributes: Readonly<Record<string, string>>,
  problems: readonly Problem[],
): string {
  const name = Object.hasOwn(attributes, attributeKeys.secretProviderClass)
    ? attributes[attributeKeys.secretProviderClass]
    : undefined;
  const title = name
    ? `Invalid SecretProviderClass ${JSON.stringify(name)}`
    : "Invalid SecretProviderClass";
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((problem) => `${problem.where}: ${problem.message}`);
  return joinWithin([`${title} (${count}):`, ...lines], {
    more: (omitted) => `… and ${omitted} more problems; run the validate command to see them all`,
  });
}
