/**
 * Readers of the fields of a parsed AWS JSON answer. AWS is trusted to answer in its documented
 * shape, but a field of another type (a proxy's JSON, a future change) reads as absent rather
 * than as a wrong value.
 */

/** The value when it is a string. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The string members of a list; anything else reads as an empty list. */
export function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/** The object members of a list (structures such as `SecretValues`). */
export function records(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is Record<string, unknown> =>
      typeof item === "object" && item !== null && !Array.isArray(item),
  );
}
