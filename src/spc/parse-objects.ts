import { isSeq } from "yaml";
import { createClaimedPaths } from "./claim-file-path.ts";
import { describeNode, isBlank, offsetOf } from "./describe-node.ts";
import type { ParseContext } from "./parse-context.ts";
import { parseObjectEntry } from "./parse-object-entry.ts";
import { parseYamlDocument } from "./parse-yaml-document.ts";
import { reportProblem } from "./report-problem.ts";
import { type Anchors, deref, resolveAnchors } from "./resolve-anchors.ts";
import type { Problem, SecretDescriptor, SpcParameters } from "./secret-descriptor.ts";
import { spcLimits } from "./spc-limits.ts";

/** Options of {@link parseObjects}. */
export interface ParseObjectsOptions {
  /** The validated top-level parameters: pathTranslation and failoverRegion are used here. */
  parameters: SpcParameters;
  /** Mode of files without `filePermission`: the request's `permission`. */
  defaultMode: number;
  /**
   * The primary region when it is known before any network call (SPC `region`, else AWS_REGION).
   * ARNs in objectName must be in it; `undefined` skips that check.
   */
  region: string | undefined;
}

/**
 * Parses and validates the `objects` YAML of a SecretProviderClass (SPEC §3.1) into descriptors.
 * Field names match case-insensitively; plain scalars are read as their source text, so an
 * unquoted `filePermission: 0600` stays `"0600"` and `objectVersion: 3` becomes `"3"`; `null`,
 * `~` and `""` count as absent. `objectType` values match case-insensitively too.
 *
 * Every problem is appended to `problems` and every questionable-but-harmless thing (an unknown
 * field, a YAML warning) to `warnings`, each with `where` naming the object by index and
 * objectName and the field, and `offset` pointing into `objectsYaml`. Never throws on any input.
 *
 * Everything is bounded by {@link spcLimits}: the YAML's size, depth and node count before it is
 * parsed (`parseYamlDocument`), its node count with aliases expanded (`resolveAnchors`), the
 * number of objects, and the warnings kept (the rest are counted in a last one).
 *
 * The stages: YAML syntax and aliases here, each entry in `parseObjectEntry` (field reading in
 * `read-yaml-fields.ts`, file paths in `claim-file-path.ts`).
 * @returns the descriptors of the objects without problems, in SPC order; complete only when no
 *   problem was added
 */
export function parseObjects(
  objectsYaml: string,
  options: ParseObjectsOptions,
  problems: Problem[],
  warnings: Problem[],
): SecretDescriptor[] {
  const found: Problem[] = [];
  try {
    return parseEntries(objectsYaml, options, problems, found);
  } finally {
    keepWarnings(found, warnings);
  }
}

function parseEntries(
  objectsYaml: string,
  options: ParseObjectsOptions,
  problems: Problem[],
  warnings: Problem[],
): SecretDescriptor[] {
  const doc = parseYamlDocument(objectsYaml, problems);
  if (doc === undefined) return [];
  const anchors: Anchors = new Map();
  const ctx: ParseContext = { options, problems, warnings, anchors, paths: createClaimedPaths() };
  for (const warning of doc.warnings) {
    reportProblem(warnings, "objects", `YAML: ${warning.message}`, warning.pos[0]);
  }
  if (!resolveAnchors(doc, anchors, problems)) return [];

  const root = deref(doc.contents, anchors);
  if (isBlank(root) || (isSeq(root) && root.items.length === 0)) {
    reportProblem(problems, "objects", "no objects to mount: the list is empty", offsetOf(root));
    return [];
  }
  if (!isSeq(root)) {
    reportProblem(
      problems,
      "objects",
      `must be a YAML list of objects, got ${describeNode(root)}`,
      offsetOf(root),
    );
    return [];
  }
  if (root.items.length > spcLimits.objects) {
    reportProblem(
      problems,
      "objects",
      `lists ${root.items.length} objects, more than the limit of ${spcLimits.objects}: split them over several SecretProviderClasses`,
      offsetOf(root),
    );
    return [];
  }
  const descriptors: SecretDescriptor[] = [];
  root.items.forEach((item, index) => {
    const descriptor = parseObjectEntry(item, index, ctx);
    if (descriptor !== undefined) descriptors.push(descriptor);
  });
  return descriptors;
}

/** Appends the first {@link spcLimits.warnings} of `found` to `warnings`, and a count of the rest. */
function keepWarnings(found: readonly Problem[], warnings: Problem[]): void {
  warnings.push(...found.slice(0, spcLimits.warnings));
  if (found.length > spcLimits.warnings) {
    reportProblem(
      warnings,
      "objects",
      `and ${found.length - spcLimits.warnings} more warnings`,
      undefined,
    );
  }
}
