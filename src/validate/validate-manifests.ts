import {
  type Document,
  isMap,
  isScalar,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
} from "yaml";
import { checkSpc } from "../spc/read-spc.ts";
import type { Problem } from "../spc/secret-descriptor.ts";
import { toSourceOffset } from "./to-source-offset.ts";

/** One finding of {@link validateManifests}, at a 1-based line and column of the file. */
export interface Diagnostic {
  line: number;
  column: number;
  severity: "error" | "warning";
  message: string;
}

/** What {@link validateManifests} found in one file. */
export interface ManifestReport {
  /** Sorted by position. */
  diagnostics: Diagnostic[];
  /** How many SecretProviderClasses with `spec.provider: aws` were checked. */
  secretProviderClasses: number;
}

/** A diagnostic before its offset in the file becomes a line and column. */
interface Finding {
  offset: number;
  severity: Diagnostic["severity"];
  message: string;
}

/** The mode `validate` assumes for files without `filePermission`: the driver's default 0644. */
const defaultMode = 0o644;

/**
 * Checks every SecretProviderClass with `spec.provider: aws` in a multi-document YAML text with
 * the daemon's own rules ({@link checkSpc}), offline: there is no `AWS_REGION`, so checks that
 * need a region run only when the SPC names one. Each problem inside the `objects` string is
 * placed on the line and column of the offending node when `objects` is a literal block (`|`),
 * else on the `objects` value; other problems on their parameter. Also reports YAML syntax errors
 * and parameters that are not strings (Kubernetes rejects those). Never throws.
 */
export function validateManifests(text: string): ManifestReport {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const diagnostics: Finding[] = [];
  let secretProviderClasses = 0;
  for (const document of documents) {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        diagnostics.push({
          offset: error.pos[0],
          severity: "error",
          message: `invalid YAML: ${error.message}`,
        });
      }
      continue;
    }
    if (!isAwsSpc(document)) continue;
    secretProviderClasses += 1;
    diagnostics.push(...checkDocument(text, document));
  }
  return {
    diagnostics: diagnostics
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, severity, message }) => {
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col, severity, message };
      }),
    secretProviderClasses,
  };
}

function isAwsSpc(document: Document.Parsed): boolean {
  return (
    document.get("kind") === "SecretProviderClass" && document.getIn(["spec", "provider"]) === "aws"
  );
}

function checkDocument(source: string, document: Document.Parsed): Finding[] {
  const found: Finding[] = [];
  const parameters = document.getIn(["spec", "parameters"], true);
  if (!isMap(parameters)) {
    const at = document.getIn(["spec"], true) as Node | undefined;
    found.push({
      offset: at?.range?.[0] ?? document.range[0],
      severity: "error",
      message: "spec.parameters: is missing or not a map; list the objects to mount in it",
    });
    return found;
  }
  // Problems of absent parameters point at the `parameters:` key.
  const spec = document.get("spec", true);
  const parametersPair = isMap(spec)
    ? (spec.items as Pair<unknown, unknown>[]).find(
        (pair) => isScalar(pair.key) && pair.key.value === "parameters",
      )
    : undefined;
  const parametersOffset =
    (parametersPair?.key as Node | undefined)?.range?.[0] ?? parameters.range?.[0] ?? 0;
  const attributes: Record<string, string> = {};
  const valueNodes = new Map<string, Node>();
  const notStrings = new Set<string>();
  for (const pair of parameters.items as Pair<unknown, unknown>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as Node | null;
    const keyOffset = (pair.key as Node | null)?.range?.[0] ?? parametersOffset;
    if (value !== null) valueNodes.set(key, value);
    if (isScalar(value) && typeof value.value === "string") {
      attributes[key] = value.value;
      continue;
    }
    notStrings.add(key);
    const written = value?.range ? source.slice(value.range[0], value.range[1]).trim() : "";
    found.push({
      offset: value?.range?.[0] ?? keyOffset,
      severity: "error",
      message: `${key}: must be a string, as Kubernetes requires for SecretProviderClass parameters${
        isScalar(value) && written !== "" ? `; quote it: ${JSON.stringify(written)}` : ""
      }`,
    });
  }
  const report = checkSpc(attributes, { defaultMode, awsRegion: undefined });
  const place = (problem: Problem) => {
    const name = /^[A-Za-z]+/.exec(problem.where)?.[0] ?? "";
    const node = valueNodes.get(name);
    const fallback = node?.range?.[0] ?? parametersOffset;
    if (problem.offset === undefined || !isScalar(node)) return fallback;
    return toSourceOffset(source, node, problem.offset) ?? fallback;
  };
  for (const [severity, problems] of [
    ["error", report.problems],
    ["warning", report.warnings],
  ] as const) {
    for (const problem of problems) {
      // A parameter that is not a string was reported above; checkSpc only saw it missing.
      if (notStrings.has(problem.where)) continue;
      found.push({
        offset: place(problem),
        severity,
        message: `${problem.where}: ${problem.message}`,
      });
    }
  }
  return found;
}
