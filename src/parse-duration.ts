const units: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go-style duration (`250ms`, `2s`, `1m30s`, `1.5h`, `0`) into milliseconds, as upstream's
 * flags are written. Returns `undefined` for anything else, including negative durations.
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const pattern = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * (units[match[2] ?? ""] ?? Number.NaN);
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.length || !Number.isFinite(total)) return undefined;
  return total;
}
