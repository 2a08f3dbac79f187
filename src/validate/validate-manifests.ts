import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  type YAMLMap,
} from "yaml";
import { parameterKeys } from "../spc/parse-parameters.ts";
import { checkSpc } from "../spc/read-spc.ts";
import type { Problem } from "../spc/secret-descriptor.ts";
import { toSourceOffset } from "./to-source-offset.ts";

/** One finding of {@link validateManifests}, at a 1-based line and column of the file. */
export interface Diagnostic {
  line: number;
  column: number;
  severity: "error" | "warning";
  message: string;
  /** The SecretProviderClass the finding is about, when it is about one. */
  secretProviderClass?: SpcName;
}

/** `metadata.name` and `metadata.namespace` of a SecretProviderClass, as far as it has them. */
export interface SpcName {
  name?: string;
  namespace?: string;
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
  secretProviderClass?: SpcName;
}

const knownParameters: ReadonlySet<string> = new Set(Object.values(parameterKeys));

/** The mode `validate` assumes for files without `filePermission`: the driver's default 0644. */
const defaultMode = 0o644;

/**
 * Checks every SecretProviderClass with `spec.provider: aws` in a multi-document YAML text with
 * the daemon's own rules ({@link checkSpc}): documents that are one, and the items of documents
 * that are a list of them (`kind: List` as `kubectl get … -o yaml` prints it, or
 * `SecretProviderClassList`). Offline: there is no `AWS_REGION`, so checks that
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
    for (const spc of findAwsSpcs(document.contents)) {
      secretProviderClasses += 1;
      const name = readSpcName(spc);
      for (const finding of checkSpcNode(text, spc)) {
        diagnostics.push(
          Object.keys(name).length > 0 ? { ...finding, secretProviderClass: name } : finding,
        );
      }
    }
  }
  return {
    diagnostics: diagnostics
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, ...finding }) => {
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col, ...finding };
      }),
    secretProviderClasses,
  };
}

const spcKind = "SecretProviderClass";

/** The AWS SecretProviderClasses of a document: itself, or the items of a list of objects. */
function findAwsSpcs(root: unknown): YAMLMap[] {
  if (!isMap(root)) return [];
  const kind = root.get("kind");
  if (kind === spcKind) return isAws(root) ? [root] : [];
  const items = root.get("items", true);
  if (typeof kind !== "string" || !kind.endsWith("List") || !isSeq(items)) return [];
  // The API's typed SecretProviderClassList leaves kind out of its items; kubectl's List keeps it.
  const itemKind = kind === `${spcKind}List` ? spcKind : undefined;
  return items.items.filter(
    (item): item is YAMLMap =>
      isMap(item) && (item.get("kind") ?? itemKind) === spcKind && isAws(item),
  );
}

function isAws(spc: YAMLMap): boolean {
  return spc.getIn(["spec", "provider"]) === "aws";
}

function readSpcName(spc: YAMLMap): SpcName {
  const name: SpcName = {};
  const metadataName = spc.getIn(["metadata", "name"]);
  const namespace = spc.getIn(["metadata", "namespace"]);
  if (typeof metadataName === "string") name.name = metadataName;
  if (typeof namespace === "string") name.namespace = namespace;
  return name;
}

function checkSpcNode(source: string, spcNode: YAMLMap): Finding[] {
  const found: Finding[] = [];
  const parameters = spcNode.getIn(["spec", "parameters"], true);
  if (!isMap(parameters)) {
    const at = spcNode.getIn(["spec"], true) as Node | undefined;
    found.push({
      offset: at?.range?.[0] ?? spcNode.range?.[0] ?? 0,
      severity: "error",
      message: "spec.parameters: is missing or not a map; list the objects to mount in it",
    });
    return found;
  }
  // Problems of absent parameters point at the `parameters:` key.
  const spec = spcNode.get("spec", true);
  const parametersPair = isMap(spec)
    ? (spec.items as Pair<unknown, unknown>[]).find(
        (pair) => isScalar(pair.key) && pair.key.value === "parameters",
      )
    : undefined;
  const parametersOffset =
    (parametersPair?.key as Node | undefined)?.range?.[0] ?? parameters.range?.[0] ?? 0;
  const attributes: Record<string, string> = {};
  const valueNodes = new Map<string, Node>();
  const keyOffsets = new Map<string, number>();
  const notStrings = new Set<string>();
  for (const pair of parameters.items as Pair<unknown, unknown>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = pair.value as Node | null;
    const keyOffset = (pair.key as Node | null)?.range?.[0] ?? parametersOffset;
    keyOffsets.set(key, keyOffset);
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
    // An unknown parameter is wrong in its name, not its value.
    if (!knownParameters.has(problem.where) && keyOffsets.has(problem.where))
      return keyOffsets.get(problem.where) ?? parametersOffset;
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
