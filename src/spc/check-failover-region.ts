import { quote } from "./report-problem.ts";

/**
 * The problem of a `failoverRegion` that is the primary region, naming where the primary region
 * came from (`"region"`, `AWS_REGION of the provider`, a node's label), or undefined.
 */
export function checkFailoverRegion(
  failoverRegion: string | undefined,
  primary: { region: string | undefined; source: string },
): string | undefined {
  if (failoverRegion === undefined || failoverRegion !== primary.region) return undefined;
  return `${quote(failoverRegion)} is the same as the primary region (${primary.source}): use another region or remove failoverRegion`;
}
