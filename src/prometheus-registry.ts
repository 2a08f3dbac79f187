/**
 * Counters, gauges and histograms with labels, rendered in the Prometheus text exposition format
 * 0.0.4: what `metrics.ts` needs of a Prometheus client, in one small module. (prom-client did
 * this before; evaluating it and the Node modules it loads at start-up, pushgateway's HTTP client
 * among them, cost about 2 ms of the 30 ms of CPU before the socket listens, 40 ms under a 50m
 * CPU limit.)
 */

/** Label values by label name; every name the metric declares must be given. */
export type Labels<Name extends string> = Readonly<Record<Name, string>>;

interface MetricOptions<Name extends string> {
  name: string;
  help: string;
  labelNames?: readonly Name[];
}

export interface Counter<Name extends string> {
  inc(labels: Labels<Name>, by?: number): void;
}

export interface Gauge<Name extends string> {
  set(labels: Labels<Name>, value: number): void;
  inc(labels: Labels<Name>, by?: number): void;
}

export interface Histogram<Name extends string> {
  observe(labels: Labels<Name>, value: number): void;
}

export interface PrometheusRegistry {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  counter<Name extends string = never>(options: MetricOptions<Name>): Counter<Name>;
  /** A gauge; `collect` (if given) sets its value just before each render. */
  gauge<Name extends string = never>(
    options: MetricOptions<Name> & { collect?: (gauge: Gauge<Name>) => void },
  ): Gauge<Name>;
  histogram<Name extends string = never>(
    options: MetricOptions<Name> & { buckets: readonly number[] },
  ): Histogram<Name>;
  /** Every metric, HELP and TYPE first, a series a line. */
  render(): string;
}

/** One metric family: how it renders itself. */
interface Family {
  render(out: string[]): void;
  collect?: () => void;
}

/** A series: its label values in `labelNames` order, and its state. */
interface Series<State> {
  values: readonly string[];
  state: State;
}

export function createPrometheusRegistry(): PrometheusRegistry {
  const families: Family[] = [];
  const names = new Set<string>();

  /** The series of one metric, keyed by their label values. */
  const seriesOf = <State>(
    options: MetricOptions<string>,
    initial: () => State,
    type: string,
    renderSeries: (out: string[], series: Series<State>, labels: string[]) => void,
  ) => {
    if (names.has(options.name)) throw new Error(`metric ${options.name} is registered twice`);
    names.add(options.name);
    const labelNames = options.labelNames ?? [];
    const series = new Map<string, Series<State>>();
    const header = `# HELP ${options.name} ${escapeHelp(options.help)}\n# TYPE ${options.name} ${type}\n`;
    const family: Family = {
      render(out) {
        out.push(header);
        for (const one of series.values()) {
          renderSeries(
            out,
            one,
            one.values.map((value, i) => `${labelNames[i]}="${escapeLabelValue(value)}"`),
          );
        }
      },
    };
    families.push(family);
    // A metric without labels has its one series from the start (it reads 0, not absent).
    if (labelNames.length === 0) series.set("", { values: [], state: initial() });
    const get = (labels: Readonly<Record<string, string>>): State => {
      const values = labelNames.map((name) => labels[name] ?? "");
      const key = values.length === 1 ? (values[0] ?? "") : values.join("\u0000");
      let one = series.get(key);
      if (one === undefined) {
        one = { values, state: initial() };
        series.set(key, one);
      }
      return one.state;
    };
    return { family, get };
  };

  const renderValue =
    (name: string) => (out: string[], one: Series<{ value: number }>, labels: string[]) => {
      out.push(`${name}${toLabelText(labels)} ${formatValue(one.state.value)}\n`);
    };

  /** The series of a counter or gauge: one number each. */
  const valueSeriesOf = (options: MetricOptions<string>, type: "counter" | "gauge") =>
    seriesOf(options, () => ({ value: 0 }), type, renderValue(options.name));

  return {
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    counter(options) {
      const { get } = valueSeriesOf(options, "counter");
      return {
        inc(labels, by = 1) {
          get(labels).value += by;
        },
      };
    },
    gauge(options) {
      const { family, get } = valueSeriesOf(options, "gauge");
      const gauge: Gauge<string> = {
        set(labels, value) {
          get(labels).value = value;
        },
        inc(labels, by = 1) {
          get(labels).value += by;
        },
      };
      const { collect } = options;
      if (collect) family.collect = () => collect(gauge);
      return gauge;
    },
    histogram(options) {
      const bounds = [...options.buckets].sort((a, b) => a - b);
      const les = [...bounds.map(formatValue), "+Inf"].map((le) => `le="${le}"`);
      const { get } = seriesOf(
        options,
        () => ({ counts: new Array<number>(bounds.length).fill(0), sum: 0, count: 0 }),
        "histogram",
        (out, one, labels) => {
          const { counts, sum, count } = one.state;
          let cumulative = 0;
          for (let i = 0; i <= bounds.length; i++) {
            cumulative = i < bounds.length ? cumulative + (counts[i] ?? 0) : count;
            out.push(
              `${options.name}_bucket${toLabelText([...labels, les[i] ?? ""])} ${cumulative}\n`,
            );
          }
          out.push(`${options.name}_sum${toLabelText(labels)} ${formatValue(sum)}\n`);
          out.push(`${options.name}_count${toLabelText(labels)} ${count}\n`);
        },
      );
      return {
        observe(labels, value) {
          const state = get(labels);
          // Counted in the first bucket it fits (cumulated at render); above all: +Inf only.
          const i = bounds.findIndex((bound) => value <= bound);
          if (i >= 0) state.counts[i] = (state.counts[i] ?? 0) + 1;
          state.sum += value;
          state.count += 1;
        },
      };
    },
    render() {
      const out: string[] = [];
      for (const family of families) {
        family.collect?.();
        family.render(out);
      }
      return out.join("");
    },
  };
}

const toLabelText = (labels: readonly string[]) =>
  labels.length === 0 ? "" : `{${labels.join(",")}}`;

/** A sample value as the format writes it: `+Inf`, `-Inf`, `NaN` or the number. */
function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}
