import { offsetOf } from "./describe-node.ts";
import type { Fields } from "./read-yaml-fields.ts";
import { reportProblem } from "./report-problem.ts";
import type { Problem } from "./secret-descriptor.ts";

/**
 * An SSM parameter takes objectVersion or objectVersionLabel, not both: reports a problem at
 * `objectVersionLabel` when both are set. Parity: provider/secret_descriptor.go.
 */
export function checkSsmVersions(
  version: string | undefined,
  label: string | undefined,
  fields: Fields,
  where: string,
  problems: Problem[],
): void {
  if (version === undefined || label === undefined) return;
  reportProblem(
    problems,
    `${where}.objectVersionLabel`,
    "cannot be used together with objectVersion for an SSM parameter: keep one of them",
    offsetOf(fields.get("objectVersionLabel")),
  );
}
