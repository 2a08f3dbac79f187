import { search } from "jmespath";
import { Code, ProviderError } from "../errors.ts";
import { Redacted } from "../redacted.ts";
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

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Turns fetched values into files: one per object, plus one per `jmesPath` entry holding the
 * string it selects. Each file's ObjectVersion id is its path; JMES files carry the parent's
 * version, so the version changes whenever any of the content does (SPEC §3.2).
 * @throws ProviderError INVALID_ARGUMENT listing every jmesPath that cannot be applied (the value
 *   is not JSON, or the expression selects something other than a string). Values never appear.
 */
export function renderFiles(fetched: readonly FetchedSecret[]): RenderedMount {
  const files: RenderedFile[] = [];
  const objectVersions: RenderedMount["objectVersions"] = [];
  const problems: string[] = [];
  for (const { descriptor, bytes, version } of fetched) {
    files.push({ path: descriptor.filePath, mode: descriptor.mode, contents: bytes });
    objectVersions.push({ id: descriptor.filePath, version });
    if (descriptor.jmesPath.length === 0) continue;
    const where = `objects[${descriptor.index}] "${descriptor.objectName}"`;
    const document = readJson(bytes.reveal());
    if (document === undefined) {
      problems.push(`${where}: jmesPath is set but the value is not a JSON document`);
      continue;
    }
    descriptor.jmesPath.forEach((entry, index) => {
      let selected: unknown;
      try {
        selected = search(document.value, entry.path);
      } catch (error) {
        problems.push(
          `${where}.jmesPath[${index}].path "${entry.path}": ${(error as Error).message}`,
        );
        return;
      }
      if (typeof selected !== "string") {
        const got =
          selected === null
            ? "nothing"
            : Array.isArray(selected)
              ? "an array"
              : `a ${typeof selected}`;
        problems.push(
          `${where}.jmesPath[${index}].path "${entry.path}" must select a string, but selects ${got}`,
        );
        return;
      }
      files.push({
        path: entry.filePath,
        mode: entry.mode,
        contents: new Redacted(encoder.encode(selected)),
      });
      objectVersions.push({ id: entry.filePath, version });
    });
  }
  if (problems.length > 0) {
    throw new ProviderError(
      Code.InvalidArgument,
      `Cannot extract jmesPath values:\n${problems.join("\n")}`,
      {
        reason: "JmesPathFailed",
      },
    );
  }
  return { files, objectVersions };
}

function readJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return undefined;
  }
}
