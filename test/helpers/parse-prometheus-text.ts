/** One sample line of a Prometheus text page. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A `# TYPE` family and its samples, in page order. */
export interface MetricFamily {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string | undefined;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const floatPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on the
 * first violation, naming the line. Besides the grammar (names, label escapes, float values,
 * optional integer timestamps, final newline) it checks what scrapers rely on: HELP and TYPE at
 * most once per family and before its samples, families contiguous, no duplicate series, sample
 * names matching their family's type, and histograms with cumulative buckets ending in
 * `le="+Inf"` equal to `_count`.
 */
export function parsePrometheusText(page: string): Map<string, MetricFamily> {
  if (page !== "" && !page.endsWith("\n")) throw new Error("the page does not end with a newline");
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: MetricFamily | undefined;

  const familyFor = (name: string, lineNo: number): MetricFamily => {
    if (current?.name !== name) {
      if (closed.has(name) || families.has(name)) {
        throw new Error(`line ${lineNo}: family "${name}" is not contiguous`);
      }
      if (current) closed.add(current.name);
      current = { name, type: "untyped", help: undefined, samples: [] };
      families.set(name, current);
    }
    return current;
  };

  const lines = page.split("\n");
  lines.pop();
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!match) return; // A plain comment.
      const [, keyword, name = "", rest = ""] = match;
      if (!metricName.test(name)) throw new Error(`line ${lineNo}: bad metric name "${name}"`);
      const family = familyFor(name, lineNo);
      if (keyword === "HELP") {
        if (family.help !== undefined) throw new Error(`line ${lineNo}: second HELP for ${name}`);
        family.help = unescapeText(rest, false, lineNo);
      } else {
        if (family.samples.length > 0 || family.type !== "untyped" || !types.has(rest)) {
          throw new Error(`line ${lineNo}: misplaced or invalid TYPE "${rest}" for ${name}`);
        }
        family.type = rest as MetricFamily["type"];
      }
      return;
    }
    const sample = parseSampleLine(line, lineNo);
    const family = familyFor(familyNameOf(sample.name, current), lineNo);
    checkSampleName(family, sample.name, lineNo);
    const seriesKey = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seriesSeen.has(seriesKey)) throw new Error(`line ${lineNo}: duplicate series ${seriesKey}`);
    seriesSeen.add(seriesKey);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

/** The value of one series, or undefined when the page has no such series. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      const keys = Object.keys(sample.labels);
      if (
        keys.length === Object.keys(labels).length &&
        keys.every((key) => sample.labels[key] === labels[key])
      ) {
        return sample.value;
      }
    }
  }
  return undefined;
}

function parseSampleLine(line: string, lineNo: number): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`line ${lineNo}: no metric name in "${line}"`);
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    let i = 1;
    for (;;) {
      if (rest[i] === "}") {
        i += 1;
        break;
      }
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(i));
      if (!labelMatch?.[1]) throw new Error(`line ${lineNo}: bad label in "${line}"`);
      const label = labelMatch[1];
      if (!labelName.test(label) || label.startsWith("__") || Object.hasOwn(labels, label)) {
        throw new Error(`line ${lineNo}: bad or repeated label name "${label}"`);
      }
      i += labelMatch[0].length;
      let raw = "";
      while (i < rest.length && rest[i] !== '"') {
        if (rest[i] === "\\") {
          raw += rest.slice(i, i + 2);
          i += 2;
        } else {
          raw += rest[i];
          i += 1;
        }
      }
      if (rest[i] !== '"') throw new Error(`line ${lineNo}: unterminated label value`);
      labels[label] = unescapeText(raw, true, lineNo);
      i += 1;
      if (rest[i] === ",") i += 1;
      else if (rest[i] !== "}") throw new Error(`line ${lineNo}: expected , or } in "${line}"`);
    }
    rest = rest.slice(i);
  }
  const fields = /^ +(\S+)(?: +(-?\d+))?$/.exec(rest);
  if (!fields?.[1]) throw new Error(`line ${lineNo}: bad value part "${rest}"`);
  return { name, labels, value: parseValue(fields[1], lineNo) };
}

function parseValue(text: string, lineNo: number): number {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!floatPattern.test(text)) throw new Error(`line ${lineNo}: bad value "${text}"`);
  return Number(text);
}

function unescapeText(raw: string, isLabelValue: boolean, lineNo: number): string {
  return raw.replace(/\\(.?)/g, (_, next: string) => {
    if (next === "\\") return "\\";
    if (next === "n") return "\n";
    if (next === '"' && isLabelValue) return '"';
    throw new Error(`line ${lineNo}: invalid escape "\\${next}"`);
  });
}

/** The family a sample belongs to: histogram/summary suffixes join the current family. */
function familyNameOf(sampleName: string, current: MetricFamily | undefined): string {
  if (current && (current.type === "histogram" || current.type === "summary")) {
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      if (sampleName === `${current.name}${suffix}`) return current.name;
    }
  }
  return sampleName;
}

function checkSampleName(family: MetricFamily, sampleName: string, lineNo: number): void {
  const allowed =
    family.type === "histogram"
      ? ["_bucket", "_sum", "_count"].map((s) => family.name + s)
      : family.type === "summary"
        ? [family.name, `${family.name}_sum`, `${family.name}_count`]
        : [family.name];
  if (!allowed.includes(sampleName)) {
    throw new Error(
      `line ${lineNo}: sample "${sampleName}" does not fit ${family.type} ${family.name}`,
    );
  }
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push([parseValue(le, 0), sample.value]);
    } else if (sample.name.endsWith("_count")) {
      entry.count = sample.value;
    }
  }
  for (const [key, { buckets, count }] of series) {
    const last = buckets.at(-1);
    if (last?.[0] !== Number.POSITIVE_INFINITY || last[1] !== count) {
      throw new Error(`${family.name}${key}: +Inf bucket missing or not equal to _count`);
    }
    for (let i = 1; i < buckets.length; i++) {
      const [previous, current] = [buckets[i - 1], buckets[i]];
      if (!previous || !current || current[0] <= previous[0] || current[1] < previous[1]) {
        throw new Error(`${family.name}${key}: buckets are not cumulative in le order`);
      }
    }
  }
}
