import { describe, expect, test } from "bun:test";
import { parsePrometheusText, sampleValue } from "./parse-prometheus-text.ts";

const valid = `# HELP a_total Things.\\nDone \\\\ here.
# TYPE a_total counter
a_total{k="v\\"q\\\\\\n",z="1"} 3
a_total 1e3
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="1"} 2
h_bucket{le="+Inf"} 2
h_sum 0.6
h_count 2
# TYPE g gauge
g NaN
g{x="y"} -Inf 1700000000000
`;

describe("parsePrometheusText()", () => {
  test("reads families, escapes, special values and timestamps", () => {
    const page = parsePrometheusText(valid);
    expect(page.get("a_total")?.help).toBe("Things.\nDone \\ here.");
    expect(sampleValue(page, "a_total", { k: 'v"q\\\n', z: "1" })).toBe(3);
    expect(sampleValue(page, "a_total")).toBe(1000);
    expect(sampleValue(page, "h_count")).toBe(2);
    expect(sampleValue(page, "g")).toBeNaN();
    expect(sampleValue(page, "g", { x: "y" })).toBe(Number.NEGATIVE_INFINITY);
  });

  test.each([
    ["a missing final newline", "a 1"],
    ["a bad metric name", "1a 1\n"],
    ["a bad value", "a one\n"],
    ["a bad label escape", 'a{k="\\t"} 1\n'],
    ["an unterminated label value", 'a{k="v} 1\n'],
    ["a repeated label", 'a{k="1",k="2"} 1\n'],
    ["a reserved label name", 'a{__name__="x"} 1\n'],
    ["a duplicate series", "a 1\na 2\n"],
    ["a family split in two", 'a 1\nb 1\na{x="1"} 1\n'],
    ["a TYPE after samples", "a 1\n# TYPE a counter\n"],
    ["an unknown type", "# TYPE a countr\na 1\n"],
    ["a plain sample in a histogram family", "# TYPE h histogram\nh 1\n"],
    ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'],
    [
      "a histogram whose buckets shrink",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_count 2\n',
    ],
    [
      "a histogram whose +Inf differs from _count",
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n',
    ],
  ])("rejects %s", (_, page) => {
    expect(() => parsePrometheusText(page)).toThrow();
  });
});
