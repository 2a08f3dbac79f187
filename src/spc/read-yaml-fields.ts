import { type Alias, isMap, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import { describeNode, isBlank, offsetOf } from "./describe-node.ts";
import { quote, reportProblem } from "./report-problem.ts";
import { deref } from "./resolve-anchors.ts";
import type { Problem } from "./secret-descriptor.ts";
import { spcLimits } from "./spc-limits.ts";
import { suggestFieldName } from "./suggest-field-name.ts";

/** What reading fields needs: resolved aliases, and the lists that problems and warnings go to. */
export interface YamlReadContext {
  /** Alias node → the node its anchor names (see `resolveAnchors`). */
  anchors: ReadonlyMap<Alias, Node>;
  problems: Problem[];
  warnings: Problem[];
}

/** The known fields of one YAML map, matched case-insensitively, plus what did not match. */
export interface Fields {
  /** The value node of a known field, by its canonical name; `undefined` when absent. */
  get(name: string): unknown;
  /** Offset of the map itself, for problems about missing fields. */
  offset: number | undefined;
  known: readonly string[];
  unknown: { name: string; node: unknown }[];
  duplicates: { name: string; spellings: [string, string]; node: unknown }[];
}

/**
 * Reads the `known` fields of a YAML map, matching names case-insensitively. YAML 1.1 merge keys
 * (`<<: *defaults`, or a list of them) fill the fields the map does not set itself. Unknown and
 * duplicate names of the map itself are collected, not reported: see {@link reportFieldIssues}.
 */
export function readYamlFields(
  map: YAMLMap,
  known: readonly string[],
  ctx: YamlReadContext,
): Fields {
  const byLowerCase = new Map(known.map((name) => [name.toLowerCase(), name]));
  const values = new Map<string, { spelling: string; node: unknown }>();
  const fields: Fields = {
    get: (name) => values.get(name)?.node,
    offset: offsetOf(map),
    known,
    unknown: [],
    duplicates: [],
  };
  const add = (pairs: YAMLMap["items"], isMerged: boolean) => {
    for (const pair of pairs) {
      const key = deref(pair.key, ctx.anchors);
      const spelling =
        isScalar(key) && key.value !== null ? String(key.source ?? key.value) : undefined;
      if (spelling === "<<" && !isMerged) continue;
      const name = spelling === undefined ? undefined : byLowerCase.get(spelling.toLowerCase());
      if (name === undefined) {
        if (!isMerged) fields.unknown.push({ name: spelling ?? describeNode(key), node: key });
        continue;
      }
      const existing = values.get(name);
      if (existing === undefined)
        values.set(name, { spelling: spelling ?? name, node: pair.value });
      else if (!isMerged) {
        fields.duplicates.push({
          name,
          spellings: [existing.spelling, spelling ?? name],
          node: key,
        });
      }
    }
  };
  add(map.items, false);
  // YAML 1.1 merge keys (`<<: *defaults`), which upstream's YAML library honours: explicit
  // fields win, merged ones fill the gaps.
  for (const pair of map.items) {
    const key = deref(pair.key, ctx.anchors);
    if (!isScalar(key) || key.source !== "<<") continue;
    const value = deref(pair.value, ctx.anchors);
    const sources = isSeq(value) ? value.items.map((item) => deref(item, ctx.anchors)) : [value];
    for (const source of sources) if (isMap(source)) add(source.items, true);
  }
  return fields;
}

/**
 * Reports what {@link readYamlFields} collected: each unknown field as a warning with a
 * "did you mean" hint, each field given twice (in two spellings) as a problem.
 */
export function reportFieldIssues(fields: Fields, where: string, ctx: YamlReadContext): void {
  for (const { name, node } of fields.unknown) {
    // The name is the user's text: cut it here too, as quote() does in the message.
    const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
    // Warnings past the limit are only counted (see parseObjects): spare their suggestion.
    const suggestion =
      ctx.warnings.length < spcLimits.warnings ? suggestFieldName(name, fields.known) : "";
    reportProblem(
      ctx.warnings,
      `${where}.${shown}`,
      `unknown field ${quote(name)} is ignored${suggestion}`,
      offsetOf(node),
    );
  }
  for (const { name, spellings, node } of fields.duplicates) {
    reportProblem(
      ctx.problems,
      `${where}.${name}`,
      `is given twice, as ${quote(spellings[0])} and ${quote(spellings[1])} (field names ignore case): keep one`,
      offsetOf(node),
    );
  }
}

/**
 * A scalar field as text: the source text of plain scalars (`0600` stays `"0600"`), `undefined`
 * when absent or blank. A list or map is a problem.
 */
export function readText(
  fields: Fields,
  name: string,
  where: string,
  ctx: YamlReadContext,
): string | undefined {
  const node = deref(fields.get(name), ctx.anchors);
  if (isBlank(node)) return undefined;
  if (!isScalar(node)) {
    reportProblem(
      ctx.problems,
      `${where}.${name}`,
      `must be a string, got ${describeNode(node)}`,
      offsetOf(node),
    );
    return undefined;
  }
  return String(node.source ?? node.value);
}

/** Like {@link readText}, but an absent or blank field is a problem too. */
export function readRequired(
  fields: Fields,
  name: string,
  where: string,
  ctx: YamlReadContext,
): string | undefined {
  const node = deref(fields.get(name), ctx.anchors);
  if (isBlank(node)) {
    reportProblem(ctx.problems, `${where}.${name}`, "is required", offsetOf(node) ?? fields.offset);
    return undefined;
  }
  return readText(fields, name, where, ctx);
}

/** A scalar's text without reporting anything, for naming an object in messages. */
export function peekText(node: unknown, ctx: YamlReadContext): string | undefined {
  const value = deref(node, ctx.anchors);
  if (isBlank(value) || !isScalar(value)) return undefined;
  return String(value.source ?? value.value);
}
