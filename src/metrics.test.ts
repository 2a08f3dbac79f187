import { describe, expect, test } from "bun:test";
import { parsePrometheusText, sampleValue } from "../test/helpers/parse-prometheus-text.ts";
import { createMetrics, metricPrefix, noopMetrics } from "./metrics.ts";

const name = (suffix: string) => `${metricPrefix}${suffix}`;

describe("createMetrics()", () => {
  test("counts mounts by outcome and code, observes their duration and tracks those in flight", async () => {
    const metrics = createMetrics();
    metrics.mountStarted();
    metrics.mountStarted();
    metrics.mountStarted();
    metrics.mountFinished({ code: "OK", durationMs: 120 });
    metrics.mountFinished({ code: "NOT_FOUND", durationMs: 30 });
    const page = parsePrometheusText(await metrics.scrape());
    expect(sampleValue(page, name("mounts_total"), { outcome: "success", code: "OK" })).toBe(1);
    expect(sampleValue(page, name("mounts_total"), { outcome: "error", code: "NOT_FOUND" })).toBe(
      1,
    );
    expect(sampleValue(page, name("mounts_in_flight"))).toBe(1);
    expect(sampleValue(page, name("mount_duration_seconds_sum"), { outcome: "success" })).toBe(
      0.12,
    );
    expect(
      sampleValue(page, name("mount_duration_seconds_bucket"), { outcome: "error", le: "0.05" }),
    ).toBe(1);
  });

  test("counts AWS calls by service, operation, region and outcome, with latency", async () => {
    const metrics = createMetrics();
    const call = { service: "secretsmanager", operation: "GetSecretValue", region: "eu-west-1" };
    metrics.awsCall({ ...call, outcome: "success", durationMs: 20 });
    metrics.awsCall({ ...call, outcome: "success", durationMs: 40 });
    metrics.awsCall({ ...call, outcome: "AccessDeniedException", durationMs: 10 });
    const page = parsePrometheusText(await metrics.scrape());
    expect(sampleValue(page, name("aws_api_calls_total"), { ...call, outcome: "success" })).toBe(2);
    expect(
      sampleValue(page, name("aws_api_calls_total"), { ...call, outcome: "AccessDeniedException" }),
    ).toBe(1);
    expect(sampleValue(page, name("aws_api_call_duration_seconds_count"), call)).toBe(3);
    expect(sampleValue(page, name("aws_api_call_duration_seconds_sum"), call)).toBeCloseTo(0.07);
  });

  test("labels Kubernetes requests success, their HTTP status or error", async () => {
    const metrics = createMetrics();
    const request = { verb: "get", resource: "serviceaccounts", durationMs: 5 } as const;
    metrics.kubeRequest({ ...request, status: 200 });
    metrics.kubeRequest({ ...request, status: 404 });
    metrics.kubeRequest({ ...request, status: "error" });
    const page = parsePrometheusText(await metrics.scrape());
    for (const outcome of ["success", "404", "error"]) {
      expect(
        sampleValue(page, name("kube_api_requests_total"), {
          verb: "get",
          resource: "serviceaccounts",
          outcome,
        }),
      ).toBe(1);
    }
  });

  test("counts cache hits and misses per cache, escaping odd cache names", async () => {
    const metrics = createMetrics();
    metrics.cacheLookup("values", true);
    metrics.cacheLookup("values", true);
    metrics.cacheLookup("values", false);
    metrics.cacheLookup('we"ird\\name\n', false);
    const page = parsePrometheusText(await metrics.scrape());
    expect(sampleValue(page, name("cache_hits_total"), { cache: "values" })).toBe(2);
    expect(sampleValue(page, name("cache_misses_total"), { cache: "values" })).toBe(1);
    expect(sampleValue(page, name("cache_misses_total"), { cache: 'we"ird\\name\n' })).toBe(1);
  });

  test("exports build info, resident memory and start time as a valid page", async () => {
    const page = parsePrometheusText(await createMetrics({ version: "1.2.3" }).scrape());
    expect(sampleValue(page, name("build_info"), { version: "1.2.3" })).toBe(1);
    expect(sampleValue(page, "process_resident_memory_bytes")).toBeGreaterThan(0);
    const started = sampleValue(page, "process_start_time_seconds") ?? 0;
    expect(Math.abs(started - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
    expect(page.get("process_start_time_seconds")?.type).toBe("gauge");
  });

  test("registries are independent", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.cacheLookup("values", true);
    const page = parsePrometheusText(await b.scrape());
    expect(sampleValue(page, name("cache_hits_total"), { cache: "values" })).toBeUndefined();
    expect(a.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

describe("noopMetrics", () => {
  test("accepts every event without throwing", () => {
    expect(() => {
      noopMetrics.mountStarted();
      noopMetrics.mountFinished({ code: "OK", durationMs: 1 });
      noopMetrics.cacheLookup("values", true);
      noopMetrics.kubeRequest({ verb: "get", resource: "pods", status: 200, durationMs: 1 });
    }).not.toThrow();
  });
});
