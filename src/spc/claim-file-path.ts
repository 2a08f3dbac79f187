import { offsetOf } from "./describe-node.ts";
import type { ParseContext } from "./parse-context.ts";
import { quote, reportProblem } from "./report-problem.ts";
import { deref } from "./resolve-anchors.ts";
import { spcLimits } from "./spc-limits.ts";
import { checkFilePath, toFilePath } from "./to-file-path.ts";

/**
 * The file paths claimed so far, as a tree of path elements: claiming or checking a path costs
 * one map lookup per element, so a 4096-byte path of 2,048 elements costs 2,048 lookups, not the
 * 2,048 prefixes of up to 4096 bytes that a map of whole paths would build and hash (300 such
 * aliases took 17 s). Each directory or file of the tree is a node: there may be at most
 * {@link spcLimits.filePathNodes} (300 such aliases would make 612,000, over 150 MiB).
 */
export interface ClaimedPaths {
  children: Map<string, ClaimedPaths>;
  /** The field whose file is at this path. */
  file?: string;
  /** The first field whose file lies below this path (which makes it a directory). */
  directory?: string;
  /** At the root: how many nodes the tree has. */
  nodes?: number;
}

/** An empty {@link ClaimedPaths}. */
export function createClaimedPaths(): ClaimedPaths {
  return { children: new Map(), nodes: 0 };
}

/**
 * Translates an objectName or objectAlias into a file path (per `pathTranslation`), checks it and
 * records it in `ctx.paths`, so that no two files share a path and no path is both a file and a
 * directory. Each refusal is a problem at `where`, offset at `node`.
 * @returns the path when it was accepted
 */
export function claimFilePath(
  name: string,
  where: string,
  node: unknown,
  ctx: ParseContext,
): string | undefined {
  const offset = offsetOf(deref(node, ctx.anchors));
  const path = toFilePath(name, ctx.options.parameters.pathTranslation);
  const problem = checkFilePath(path);
  if (problem !== undefined) {
    reportProblem(ctx.problems, where, problem, offset);
    return undefined;
  }
  const elements = path.split("/");
  const collision = findPathCollision(path, elements, ctx.paths);
  if (collision !== undefined) {
    reportProblem(ctx.problems, where, collision, offset);
    return undefined;
  }
  const nodes = (ctx.paths.nodes ?? 0) + elements.length;
  if (nodes > spcLimits.filePathNodes) {
    reportProblem(
      ctx.problems,
      where,
      `file path ${quote(path)} would bring the files and directories of this SecretProviderClass past ${spcLimits.filePathNodes}, the limit`,
      offset,
    );
    return undefined;
  }
  let current = ctx.paths;
  for (const element of elements) {
    current.directory ??= where;
    let child = current.children.get(element);
    if (child === undefined) {
      child = { children: new Map() };
      current.children.set(element, child);
      ctx.paths.nodes = (ctx.paths.nodes ?? 0) + 1;
    }
    current = child;
  }
  current.file = where;
  return path;
}

/** Why `path` cannot be claimed next to the paths already claimed, or `undefined` if it can. */
function findPathCollision(
  path: string,
  elements: readonly string[],
  claimed: ClaimedPaths,
): string | undefined {
  let current: ClaimedPaths | undefined = claimed;
  for (let i = 0; i < elements.length; i++) {
    current = current.children.get(elements[i] as string);
    if (current === undefined) return undefined;
    const isLast = i === elements.length - 1;
    if (!isLast && current.file !== undefined) {
      const parent = elements.slice(0, i + 1).join("/");
      return `file path ${quote(path)} needs ${quote(parent)} to be a directory, but ${current.file} writes a file there`;
    }
    if (isLast && current.file !== undefined)
      return `file path ${quote(path)} is already used by ${current.file}`;
    if (isLast && current.directory !== undefined)
      return `file path ${quote(path)} is already a directory, holding the file of ${current.directory}`;
  }
  return undefined;
}
