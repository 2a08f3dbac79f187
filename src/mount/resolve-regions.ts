import type { CallOptions } from "../call-options.ts";
import { Code, ProviderError } from "../errors.ts";
import { joinWithin } from "../join-within.ts";
import type { KubeApi } from "../kube/kube-api.ts";
import { checkArnRegion } from "../spc/check-arn.ts";
import { checkFailoverRegion } from "../spc/check-failover-region.ts";
import { parseArn } from "../spc/parse-arn.ts";
import { quote } from "../spc/report-problem.ts";
import type { SecretDescriptor, SpcParameters } from "../spc/secret-descriptor.ts";
import type { PodInfo } from "./read-request.ts";

/** Label of a Node that names its AWS region. */
export const regionLabel = "topology.kubernetes.io/region";

/** Where a Mount's objects are fetched. */
export interface Regions {
  primary: string;
  failover: string | undefined;
}

/** Dependencies of {@link resolveRegions}. */
export interface ResolveRegionsDeps {
  /** `AWS_REGION` of the provider. */
  awsRegion: string | undefined;
  /** `NODE_NAME` of the provider: the pod runs on this node, so one node lookup serves every mount. */
  nodeName: string | undefined;
  /** Should cache nodes: their region label does not change. */
  kube: KubeApi;
  /** The Mount's signal and tally, for the Kubernetes calls. */
  mount: CallOptions;
}

/**
 * Primary region (SPEC §4.4): the SPC `region`, else `AWS_REGION`, else the node label
 * `topology.kubernetes.io/region` of the pod's node — this node when `NODE_NAME` is set, otherwise
 * the pod's `spec.nodeName`. A region found on the node is checked against the objects' ARNs here,
 * since validation could not know it.
 * @throws ProviderError INVALID_ARGUMENT listing the places looked at when none names a region, or
 *   when an ARN names another region
 */
export async function resolveRegions(
  parameters: SpcParameters,
  pod: PodInfo,
  descriptors: readonly SecretDescriptor[],
  deps: ResolveRegionsDeps,
): Promise<Regions> {
  const known = parameters.region ?? deps.awsRegion;
  if (known !== undefined) return { primary: known, failover: parameters.failoverRegion };

  const nodeName =
    deps.nodeName ?? (await deps.kube.getPod(pod.namespace, pod.name, deps.mount)).nodeName;
  const node = nodeName === undefined ? undefined : await deps.kube.getNode(nodeName, deps.mount);
  const primary = node?.labels[regionLabel];
  if (primary === undefined || primary === "") {
    const where =
      nodeName === undefined
        ? `the pod "${pod.namespace}/${pod.name}" has no node yet`
        : `node "${nodeName}" has no "${regionLabel}" label`;
    throw new ProviderError(
      Code.InvalidArgument,
      `Cannot determine the AWS region: the SecretProviderClass has no "region" parameter, the provider has no AWS_REGION, and ${where}; set "region" in the SecretProviderClass`,
      { reason: "NoRegion" },
    );
  }
  checkNodeRegion(descriptors, parameters.failoverRegion, {
    region: primary,
    source: `label "${regionLabel}" of node "${nodeName}"`,
  });
  return { primary, failover: parameters.failoverRegion };
}

/**
 * The checks validation could not make without the node's region: ARNs must be in it, and
 * failoverRegion must differ from it.
 * @throws ProviderError INVALID_ARGUMENT listing the problems as validation would
 */
function checkNodeRegion(
  descriptors: readonly SecretDescriptor[],
  failoverRegion: string | undefined,
  primary: { region: string; source: string },
): void {
  const against = { region: primary.region, regionName: `the node's region (${primary.source})` };
  const problems = descriptors.flatMap((d) => {
    const arnRegion = parseArn(d.objectName)?.region;
    const mismatch = arnRegion === undefined ? undefined : checkArnRegion(arnRegion, against);
    return mismatch === undefined
      ? []
      : [`objects[${d.index}] (${quote(d.objectName)}).objectName: ${mismatch}`];
  });
  const sameRegion = checkFailoverRegion(failoverRegion, primary);
  if (sameRegion !== undefined) problems.unshift(`failoverRegion: ${sameRegion}`);
  if (problems.length > 0) {
    throw new ProviderError(
      Code.InvalidArgument,
      `Invalid SecretProviderClass:\n${joinWithin(problems, { more: (n) => `… and ${n} more problems` })}`,
      { reason: "InvalidSecretProviderClass" },
    );
  }
}
