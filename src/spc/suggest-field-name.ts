import { quote } from "./report-problem.ts";

/** Options of {@link suggestFieldName}. */
export interface SuggestFieldNameOptions {
  /** What the names are, for the list shown when none is close. @default "fields" */
  noun?: string;
}

/**
 * The tail of an "unknown field" warning: `; did you mean "objectName"?` for the closest known
 * field (a forgotten `object` prefix counts as an exact match), else the list of known fields.
 * Names compare case-insensitively. Used for object fields and for SPC parameters alike.
 */
export function suggestFieldName(
  name: string,
  known: readonly string[],
  options: SuggestFieldNameOptions = {},
): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(lower.length / 4));
  for (const candidate of known) {
    const candidateLower = candidate.toLowerCase();
    // `name`, `alias`, `version`: the "object" prefix forgotten.
    const distance = candidateLower === `object${lower}` ? 0 : editDistance(lower, candidateLower);
    if (distance <= bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return `; did you mean ${quote(best)}?`;
  return `; known ${options.noun ?? "fields"} are ${known.join(", ")}`;
}

/** Levenshtein distance; infinite when the lengths differ by more than 8 (never a suggestion). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}
