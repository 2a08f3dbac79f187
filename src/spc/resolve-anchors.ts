import { type Alias, type Document, isAlias, type Node, visit } from "yaml";
import { offsetOf } from "./describe-node.ts";
import { reportProblem } from "./report-problem.ts";
import type { Problem } from "./secret-descriptor.ts";

/** Alias node → the node its anchor names. */
export type Anchors = Map<Alias, Node>;

/**
 * Maps every alias of `doc` to its anchor's node in one pass (`Alias.resolve` walks the whole
 * document on each call). An alias to a missing anchor is a problem, reported at `objects`.
 * @returns whether every alias resolved
 */
export function resolveAnchors(doc: Document, anchors: Anchors, problems: Problem[]): boolean {
  const latest = new Map<string, Node>();
  let isOk = true;
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = latest.get(node.source);
        if (target === undefined) {
          isOk = false;
          reportProblem(
            problems,
            "objects",
            `alias "*${node.source}" refers to no anchor defined before it`,
            offsetOf(node),
          );
        } else {
          anchors.set(node, target);
        }
      } else if (node.anchor !== undefined) {
        latest.set(node.anchor, node);
      }
    },
  });
  return isOk;
}

/** The node an alias stands for (the node itself when it is no alias); `undefined` if unresolved. */
export function deref(node: unknown, anchors: ReadonlyMap<Alias, Node>): unknown {
  let current = node;
  // Anchors cannot point at aliases, so one hop is enough; the bound is only a safety net.
  for (let hops = 0; isAlias(current) && hops < 8; hops++) current = anchors.get(current);
  return isAlias(current) ? undefined : current;
}
