import { maxJmesPathDepth, maxJmesPathLength } from "./jmes/compile-jmes-path.ts";

/**
 * The bounds every SecretProviderClass and every Mount is held to (SPEC §5.7). SecretProviderClasses
 * are written by namespace users and one provider serves every pod of its node, so no SPC may make
 * it use unbounded memory or CPU. Each bound sits well above what a real SPC needs (the largest
 * tested: 10,000 objects) and well below what would hurt the node. The README's "Limits" table
 * lists them.
 */
export const spcLimits = {
  /**
   * UTF-8 bytes of the `objects` YAML. etcd refuses objects above 1.5 MiB by default, so no SPC
   * stored in Kubernetes can hold more; parsing costs about 1 µs and 90 bytes of memory per byte.
   */
  objectsYamlBytes: 1_572_864,
  /** Nesting of YAML collections (a real SPC nests 5 deep; `[[[…` of 2 MB took 1 GiB before). */
  yamlDepth: 64,
  /**
   * YAML nodes (scalars, collections, keys, aliases, anchors and tags), counted from the tokens
   * before the document is built, and again with every alias counted as the nodes it stands for.
   * The YAML library needs about 0.9 KiB and 10 µs per node (125,000 one-letter scalars: 115 MiB
   * and 1.4 s in the binary), so this bounds the memory and time a parse takes, within the
   * DaemonSet's 256 MiB. 10,000 objects of two or three fields take 70,000–120,000; with a
   * jmesPath entry each they need 180,000 and must be split over two SPCs.
   */
  yamlNodes: 125_000,
  /** YAML syntax errors listed (the rest are counted), as each can repeat for every line. */
  yamlErrorsListed: 10,
  /** Warnings kept per SPC (each is logged on every Mount); the rest are counted in one more. */
  warnings: 20,
  /** Entries of the `objects` list: each is at least one AWS call. Twice the largest tested. */
  objects: 20_000,
  /**
   * Files and directories the file paths of one SPC make together (each path element is one,
   * shared directories once). Only `pathTranslation: False` makes directories; 20,000 objects
   * three levels deep need 60,000.
   */
  filePathNodes: 100_000,
  /** Entries of one object's `jmesPath` list (a 64 KiB secret holds a few hundred keys at most). */
  jmesPathEntries: 1_000,
  /** Characters of one jmesPath `path`. */
  jmesPathLength: maxJmesPathLength,
  /** Nesting levels of one parsed jmesPath `path`. */
  jmesPathDepth: maxJmesPathDepth,
  /**
   * Work of all jmesPath evaluations of one Mount, in steps (a node visited, an element produced
   * or compared). A step takes 5–10 ns, so the whole budget is spent in 2–5 ms of CPU on this
   * project's machine; an ordinary path costs 1–10 steps, `sort_by` over 1,000 elements about
   * 10,000.
   */
  jmesSteps: 500_000,
  /**
   * Characters of text (to_string, join, reverse, comparisons of lists) all jmesPath evaluations
   * of one Mount may build: the driver's 4 MiB answer limit, which also bounds each file.
   */
  jmesTextBytes: 4 * 1024 * 1024,
} as const;
