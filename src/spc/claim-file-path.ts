import { offsetOf } from "./describe-node.ts";
import type { ParseContext } from "./parse-context.ts";
import { quote, reportProblem } from "./report-problem.ts";
import { deref } from "./resolve-anchors.ts";
import { checkFilePath, toFilePath } from "./to-file-path.ts";

/**
 * Translates an objectName or objectAlias into a file path (per `pathTranslation`), checks it and
 * records it in `ctx.files` / `ctx.directories`, so that no two files share a path and no path is
 * both a file and a directory. Each refusal is a problem at `where`, offset at `node`.
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
  const collision = findPathCollision(path, ctx);
  if (collision !== undefined) {
    reportProblem(ctx.problems, where, collision, offset);
    return undefined;
  }
  ctx.files.set(path, where);
  for (const parent of parentsOf(path))
    if (!ctx.directories.has(parent)) ctx.directories.set(parent, where);
  return path;
}

/** Why `path` cannot be claimed next to the paths already claimed, or `undefined` if it can. */
function findPathCollision(path: string, ctx: ParseContext): string | undefined {
  const sameFile = ctx.files.get(path);
  if (sameFile !== undefined) return `file path ${quote(path)} is already used by ${sameFile}`;
  const sameDirectory = ctx.directories.get(path);
  if (sameDirectory !== undefined)
    return `file path ${quote(path)} is already a directory, holding the file of ${sameDirectory}`;
  for (const parent of parentsOf(path)) {
    const file = ctx.files.get(parent);
    if (file !== undefined)
      return `file path ${quote(path)} needs ${quote(parent)} to be a directory, but ${file} writes a file there`;
  }
  return undefined;
}

/** `a/b/c` → `a`, `a/b`. */
function parentsOf(path: string): string[] {
  const elements = path.split("/");
  return elements.slice(1).map((_, i) => elements.slice(0, i + 1).join("/"));
}
