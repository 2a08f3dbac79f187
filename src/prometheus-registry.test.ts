import { describe, expect, test } from "bun:test";
import { parsePrometheusText, sampleValue } from "../test/helpers/parse-prometheus-text.ts";
import { createPrometheusRegistry } from "./prometheus-registry.ts";

describe("createPrometheusRegistry()", () => {
  test("renders HELP and TYPE, unlabelled series from 0 and labelled ones once used", () => {
    const registry = createPrometheusRegistry();
    registry.counter({ name: "plain_total", help: "A counter." });
    const labelled = registry.counter({
      name: "labelled_total",
      help: "By kind.",
      labelNames: ["kind", "zone"],
    });
    expect(registry.render()).toBe(
      "# HELP plain_total A counter.\n# TYPE plain_total counter\nplain_total 0\n" +
        "# HELP labelled_total By kind.\n# TYPE labelled_total counter\n",
    );
    labelled.inc({ kind: "a", zone: "z" });
    labelled.inc({ kind: "a", zone: "z" }, 2.5);
    labelled.inc({ kind: "b", zone: "z" });
    expect(registry.render()).toContain('labelled_total{kind="a",zone="z"} 3.5\n');
    expect(registry.render()).toContain('labelled_total{kind="b",zone="z"} 1\n');
  });

  test("keeps series apart whose label values would join alike", () => {
    const registry = createPrometheusRegistry();
    const counter = registry.counter({ name: "c_total", help: "h", labelNames: ["a", "b"] });
    counter.inc({ a: "x,y", b: "" });
    counter.inc({ a: "x", b: "y" });
    const page = parsePrometheusText(registry.render());
    expect(sampleValue(page, "c_total", { a: "x,y", b: "" })).toBe(1);
    expect(sampleValue(page, "c_total", { a: "x", b: "y" })).toBe(1);
  });

  test("histograms: a value on a bound counts in that bucket, buckets cumulate, +Inf equals the count", () => {
    const registry = createPrometheusRegistry();
    const histogram = registry.histogram({
      name: "d_seconds",
      help: "h",
      labelNames: ["op"],
      buckets: [1, 0.1, 0.5],
    });
    for (const value of [0.1, 0.2, 0.5, 3, 0.05]) histogram.observe({ op: "get" }, value);
    const page = parsePrometheusText(registry.render());
    const bucket = (le: string) => sampleValue(page, "d_seconds_bucket", { op: "get", le });
    expect([bucket("0.1"), bucket("0.5"), bucket("1"), bucket("+Inf")]).toEqual([2, 4, 4, 5]);
    expect(sampleValue(page, "d_seconds_sum", { op: "get" })).toBeCloseTo(3.85);
    expect(sampleValue(page, "d_seconds_count", { op: "get" })).toBe(5);
  });

  test("gauges set, add and collect before each render", () => {
    const registry = createPrometheusRegistry();
    const gauge = registry.gauge({ name: "g", help: "h" });
    gauge.inc({});
    gauge.inc({});
    gauge.inc({}, -1);
    let reads = 0;
    registry.gauge({ name: "collected", help: "h", collect: (g) => g.set({}, ++reads) });
    registry.gauge({ name: "inf", help: "h" }).set({}, Number.POSITIVE_INFINITY);
    expect(sampleValue(parsePrometheusText(registry.render()), "g")).toBe(1);
    expect(sampleValue(parsePrometheusText(registry.render()), "collected")).toBe(2);
    expect(registry.render()).toContain("inf +Inf\n");
  });

  test("escapes label values and HELP text as the format requires", () => {
    const registry = createPrometheusRegistry();
    registry
      .counter({ name: "e_total", help: 'back\\slash "quoted"\nnext', labelNames: ["v"] })
      .inc({ v: 'a"b\\c\nd' });
    const text = registry.render();
    expect(text).toContain('# HELP e_total back\\\\slash "quoted"\\nnext\n');
    expect(text).toContain('e_total{v="a\\"b\\\\c\\nd"} 1\n');
    const page = parsePrometheusText(text);
    expect(page.get("e_total")?.help).toBe('back\\slash "quoted"\nnext');
    expect(sampleValue(page, "e_total", { v: 'a"b\\c\nd' })).toBe(1);
  });

  test("refuses a name registered twice", () => {
    const registry = createPrometheusRegistry();
    registry.counter({ name: "twice_total", help: "h" });
    expect(() => registry.gauge({ name: "twice_total", help: "h" })).toThrow(
      "metric twice_total is registered twice",
    );
  });
});
