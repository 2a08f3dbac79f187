import type { Problem } from "./secret-descriptor.ts";

/**
 * Appends a problem (or warning) to `list`, leaving `offset` out when it is unknown, so that
 * problems compare equal whether or not their node had a range.
 */
export function reportProblem(
  list: Problem[],
  where: string,
  message: string,
  offset: number | undefined,
): void {
  list.push(offset === undefined ? { where, message } : { where, message, offset });
}

/** Quotes text from the SPC for a message, cut to 80 characters so one value cannot flood it. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
