import { Code, ProviderError } from "../errors.ts";
import { joinWithin, maxMessageBytes } from "../join-within.ts";
import { Redacted } from "../redacted.ts";
import { evaluateJmesPath } from "../spc/jmes/evaluate-jmes-path.ts";
import { JmesBudget } from "../spc/jmes/jmes-budget.ts";
import { JmesError } from "../spc/jmes/jmes-error.ts";
import { quote } from "../spc/report-problem.ts";
import { spcLimits } from "../spc/spc-limits.ts";
import type { FetchedSecret } from "./fetch-secrets.ts";

/** One file the pod will see. */
export interface RenderedFile {
  /** Relative to the target directory. */
  path: string;
  /** Mode bits, 0–0o777. */
  mode: number;
  contents: Redacted<Uint8Array>;
}

/** What a Mount answers with: files and one version per file, both in SPC order. */
export interface RenderedMount {
  files: RenderedFile[];
  objectVersions: { id: string; version: string }[];
}

/** Options of {@link renderFiles}. */
export interface RenderFilesOptions {
  /**
   * The driver's limit on the answer (driver-writes mode), counted as `handle-mount.ts` counts it:
   * no jmesPath may build a value that would not fit in what is left of it, and rendering stops
   * as soon as the files pass it. `undefined` (provider-writes mode) leaves only the jmesPath
   * budget of {@link spcLimits}.
   * @default undefined
   */
  maxResponseBytes?: number | undefined;
}

/** At most this many jmesPath problems are listed in one error; the rest are counted. */
const maxListedProblems = 50;

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** What a file costs in the answer: its contents, its path (twice, in the version) and framing. */
function answerBytes(path: string, contents: Uint8Array): number {
  return contents.byteLength + 2 * path.length + 16;
}

/**
 * Turns fetched values into files: one per object, plus one per `jmesPath` entry holding the
 * string it selects. Each file's ObjectVersion id is its path; JMES files carry the parent's
 * version, so the version changes whenever any of the content does (SPEC §3.2).
 *
 * All jmesPath evaluations of the Mount share one budget of work and of text built
 * ({@link spcLimits}.jmesSteps and .jmesTextBytes): an expression that would need more fails
 * before the value is built, however it is written (`[@,@] | [@,@] | …` doubling a value 26
 * times took 3 GiB and 12 s in jmespath.js).
 * @throws ProviderError, listing every jmesPath problem found (values never appear):
 *   RESOURCE_EXHAUSTED when an evaluation would pass the work or text budget or the answer limit
 *   (the value, not the SPC, is too large: the same SPC works for smaller values), or the files
 *   alone pass the answer limit; else INVALID_ARGUMENT when a jmesPath cannot be applied (the
 *   value is not JSON, or the expression fails or selects something other than a string)
 */
export function renderFiles(
  fetched: readonly FetchedSecret[],
  options: RenderFilesOptions = {},
): RenderedMount {
  const maxResponseBytes = options.maxResponseBytes ?? Number.POSITIVE_INFINITY;
  let responseBytes = 0;
  const budget = new JmesBudget({
    maxSteps: spcLimits.jmesSteps,
    maxStringLength: spcLimits.jmesTextBytes,
  });
  const files: RenderedFile[] = [];
  const objectVersions: RenderedMount["objectVersions"] = [];
  const problems: string[] = [];
  let isExhausted = false;
  const add = (path: string, mode: number, contents: Redacted<Uint8Array>, version: string) => {
    files.push({ path, mode, contents });
    objectVersions.push({ id: path, version });
    responseBytes += answerBytes(path, contents.reveal());
  };

  for (const { descriptor, bytes, version } of fetched) {
    add(descriptor.filePath, descriptor.mode, bytes, version);
    if (responseBytes > maxResponseBytes) throw tooLarge(maxResponseBytes);
    if (descriptor.jmesPath.length === 0 || isExhausted) continue;
    const where = `objects[${descriptor.index}] (${quote(descriptor.objectName)})`;
    const document = readJson(bytes.reveal());
    if (document === undefined) {
      problems.push(`${where}.jmesPath: is set but the value is not a JSON document`);
      continue;
    }
    for (const [index, entry] of descriptor.jmesPath.entries()) {
      const at = `${where}.jmesPath[${index}].path`;
      const answerLeft = maxResponseBytes - responseBytes - 2 * entry.filePath.length - 16;
      const isAnswerBound = answerLeft < budget.stringLength;
      if (isAnswerBound) budget.stringLength = Math.max(0, answerLeft);
      let selected: unknown;
      try {
        selected = evaluateJmesPath(entry.expression, document.value, budget);
      } catch (error) {
        if (!(error instanceof JmesError)) throw error;
        if (error.kind !== "steps" && error.kind !== "bytes") {
          problems.push(`${at}: ${quote(entry.path)} fails: ${error.message}`);
          continue;
        }
        isExhausted = true;
        const limit = error.limit ?? 0;
        const detail =
          error.kind === "steps"
            ? error.message
            : `would produce more than ${limit} bytes, ${
                isAnswerBound
                  ? answerLimitName(maxResponseBytes, limit)
                  : "the limit of text the jmesPath expressions of one Mount may build"
              }`;
        problems.push(`${at}: evaluating ${quote(entry.path)} ${detail}`);
        break;
      }
      if (typeof selected !== "string") {
        problems.push(
          `${at}: ${quote(entry.path)} must select a string, but selects ${kindOf(selected)}`,
        );
        continue;
      }
      const contents = encoder.encode(selected);
      if (answerBytes(entry.filePath, contents) + responseBytes > maxResponseBytes) {
        isExhausted = true;
        const left = Math.max(0, answerLeft);
        problems.push(
          `${at}: ${quote(entry.path)} selects ${contents.byteLength} bytes, more than ${left} bytes, ${answerLimitName(maxResponseBytes, left)}`,
        );
        break;
      }
      add(entry.filePath, entry.mode, new Redacted(contents), version);
    }
  }
  if (problems.length > 0) {
    const listed = joinWithin(problems, {
      maxItems: maxListedProblems,
      maxBytes: maxMessageBytes - 200,
      more: (omitted) => `… and ${omitted} more jmesPath problems`,
    });
    const tail = isExhausted ? "\n(the remaining jmesPath entries were not evaluated)" : "";
    throw new ProviderError(
      isExhausted ? Code.ResourceExhausted : Code.InvalidArgument,
      `Cannot extract jmesPath values:\n${listed}${tail}`,
      { reason: isExhausted ? "JmesPathTooLarge" : "JmesPathFailed" },
    );
  }
  return { files, objectVersions };
}

/** Names `limit` in a message: the driver's answer limit, or what is left of it. */
function answerLimitName(maxResponseBytes: number, limit: number): string {
  return limit >= maxResponseBytes
    ? "the driver's answer limit"
    : `what is left of the driver's answer limit of ${maxResponseBytes} bytes`;
}

function tooLarge(maxResponseBytes: number): ProviderError {
  return new ProviderError(
    Code.ResourceExhausted,
    `The mounted files add up to more than the driver's limit of ${maxResponseBytes} bytes: split the objects over several SecretProviderClasses`,
    { reason: "ResponseTooLarge" },
  );
}

function kindOf(selected: unknown): string {
  if (selected === null || selected === undefined) return "nothing";
  return Array.isArray(selected) ? "an array" : `a ${typeof selected}`;
}

function readJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return undefined;
  }
}
