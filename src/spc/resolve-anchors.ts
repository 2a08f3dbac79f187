import { type Alias, type Document, isAlias, isMap, isScalar, isSeq, type Node } from "yaml";
import { offsetOf } from "./describe-node.ts";
import { reportProblem } from "./report-problem.ts";
import type { Problem } from "./secret-descriptor.ts";
import { spcLimits } from "./spc-limits.ts";

/** Alias node → the node its anchor names. */
export type Anchors = Map<Alias, Node>;

/**
 * Maps every alias of `doc` to its anchor's node in one pass (`Alias.resolve` walks the whole
 * document on each call), and counts the nodes of the document with every alias counted as the
 * nodes it stands for: the rules that read the objects follow aliases, so ten nested levels of
 * ten aliases each would make them read 10^10 nodes. More than {@link spcLimits.yamlNodes} is a
 * problem, like the yaml library's `maxAliasCount` guard against "billion laughs". So is an alias
 * to a missing anchor, or to the node that contains it (which would expand forever). All are
 * reported at `objects`. `doc` must be within {@link spcLimits.yamlDepth} (the walk recurses).
 * @returns whether every alias resolved and the expanded document is within the limit
 */
export function resolveAnchors(doc: Document, anchors: Anchors, problems: Problem[]): boolean {
  const latest = new Map<string, Node>();
  /** Expanded node count of each node walked so far; absent while it is being walked. */
  const sizes = new Map<unknown, number>();
  let isOk = true;
  const fail = (message: string, node: Node) => {
    isOk = false;
    reportProblem(problems, "objects", message, offsetOf(node));
  };
  const walk = (node: unknown): number => {
    if (node === null || node === undefined || typeof node !== "object") return 0;
    if (isAlias(node)) {
      const target = latest.get(node.source);
      if (target === undefined) {
        fail(`alias "*${node.source}" refers to no anchor defined before it`, node);
        return 1;
      }
      const size = sizes.get(target);
      if (size === undefined) {
        fail(`alias "*${node.source}" refers to the node that contains it`, node);
        return 1;
      }
      anchors.set(node, target);
      return size;
    }
    const current = node as Node;
    if (current.anchor !== undefined) latest.set(current.anchor, current);
    let size = 1;
    if (isSeq(current)) {
      for (const item of current.items) size += walk(item);
    } else if (isMap(current)) {
      for (const pair of current.items) size += walk(pair.key) + walk(pair.value);
    } else if (!isScalar(current)) {
      return 1;
    }
    sizes.set(current, size);
    return size;
  };
  const total = walk(doc.contents);
  if (isOk && total > spcLimits.yamlNodes) {
    isOk = false;
    reportProblem(
      problems,
      "objects",
      `stands for ${total > 1e15 ? "more than 10^15" : total} YAML nodes once its aliases are expanded, more than the limit of ${spcLimits.yamlNodes}`,
      undefined,
    );
  }
  return isOk;
}

/** The node an alias stands for (the node itself when it is no alias); `undefined` if unresolved. */
export function deref(node: unknown, anchors: ReadonlyMap<Alias, Node>): unknown {
  let current = node;
  // Anchors cannot point at aliases, so one hop is enough; the bound is only a safety net.
  for (let hops = 0; isAlias(current) && hops < 8; hops++) current = anchors.get(current);
  return isAlias(current) ? undefined : current;
}
