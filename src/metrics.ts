import type { KubeRequestEvent } from "./kube/kube-api.ts";
import { createPrometheusRegistry } from "./prometheus-registry.ts";

/** One finished call of an AWS port (SDK retries inside it are part of the one call). */
export interface AwsCallEvent {
  /** `secretsmanager`, `ssm` or `sts`. */
  service: string;
  /** The AWS operation, e.g. `GetSecretValue`. */
  operation: string;
  region: string;
  /** `success`, or the AWS error code (`ResourceNotFoundException`) or transport code (`ECONNREFUSED`). */
  outcome: string;
  durationMs: number;
}

/** One finished Mount. */
export interface MountEvent {
  /** `OK` or the gRPC code name the Mount was answered with (`NOT_FOUND`). */
  code: string;
  durationMs: number;
}

/**
 * What the provider measures (port), process-wide. Every method is cheap, synchronous and never
 * throws. (What one Mount cost is its own `MountTally`, counted by the ports.)
 */
export interface Metrics {
  /** A Mount started (in-flight gauge). Pair with {@link Metrics.mountFinished}. */
  mountStarted(): void;
  mountFinished(event: MountEvent): void;
  awsCall(event: AwsCallEvent): void;
  kubeRequest(event: KubeRequestEvent): void;
  /** A lookup in the cache named `cache` (`credentials`, `values`, `serviceaccount`, …). */
  cacheLookup(cache: string, hit: boolean): void;
}

/** {@link Metrics} that can also render themselves for a scrape. */
export interface PrometheusMetrics extends Metrics {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  /** Every series in the Prometheus text exposition format. */
  scrape(): Promise<string>;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Value of the `version` label of `secrets_store_provider_aws_build_info`. @default "unknown" */
  version?: string;
}

/** Prefix of every provider-specific series. */
export const metricPrefix = "secrets_store_provider_aws_";

const requestBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const mountBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Creates the Prometheus metrics of SPEC §8 in a registry of their own (no global state, so tests
 * can make as many as they like). Besides the provider series it exports
 * `process_resident_memory_bytes` and `process_start_time_seconds` with their standard names.
 */
export function createMetrics(options: MetricsOptions = {}): PrometheusMetrics {
  const registry = createPrometheusRegistry();
  const mounts = registry.counter({
    name: `${metricPrefix}mounts_total`,
    help: "Mount calls answered, by outcome (success, error) and gRPC code.",
    labelNames: ["outcome", "code"],
  });
  const mountDuration = registry.histogram({
    name: `${metricPrefix}mount_duration_seconds`,
    help: "Time from receiving a Mount to answering it, by outcome.",
    labelNames: ["outcome"],
    buckets: mountBuckets,
  });
  const mountsInFlight = registry.gauge({
    name: `${metricPrefix}mounts_in_flight`,
    help: "Mount calls being served right now.",
  });
  const awsCalls = registry.counter({
    name: `${metricPrefix}aws_api_calls_total`,
    help: "AWS API calls, by service, operation, region and outcome (success or the AWS error code).",
    labelNames: ["service", "operation", "region", "outcome"],
  });
  const awsDuration = registry.histogram({
    name: `${metricPrefix}aws_api_call_duration_seconds`,
    help: "Latency of AWS API calls including SDK retries, by service, operation and region.",
    labelNames: ["service", "operation", "region"],
    buckets: requestBuckets,
  });
  const kubeRequests = registry.counter({
    name: `${metricPrefix}kube_api_requests_total`,
    help: "Kubernetes API requests, by verb, resource and outcome (success, the HTTP status, or error).",
    labelNames: ["verb", "resource", "outcome"],
  });
  const kubeDuration = registry.histogram({
    name: `${metricPrefix}kube_api_request_duration_seconds`,
    help: "Latency of Kubernetes API requests, by verb and resource.",
    labelNames: ["verb", "resource"],
    buckets: requestBuckets,
  });
  const cacheHits = registry.counter({
    name: `${metricPrefix}cache_hits_total`,
    help: "Lookups answered from a cache, by cache.",
    labelNames: ["cache"],
  });
  const cacheMisses = registry.counter({
    name: `${metricPrefix}cache_misses_total`,
    help: "Lookups a cache could not answer, by cache.",
    labelNames: ["cache"],
  });
  registry
    .gauge({
      name: `${metricPrefix}build_info`,
      help: "Always 1; the version label names the running build.",
      labelNames: ["version"],
    })
    .set({ version: options.version ?? "unknown" }, 1);
  registry.gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    collect: (gauge) => gauge.set({}, process.memoryUsage.rss()),
  });
  registry
    .gauge({
      name: "process_start_time_seconds",
      help: "Start time of the process since unix epoch in seconds.",
    })
    .set({}, Math.round(Date.now() / 1000 - process.uptime()));

  return {
    contentType: registry.contentType,
    scrape: async () => registry.render(),
    mountStarted() {
      mountsInFlight.inc({});
    },
    mountFinished({ code, durationMs }) {
      const outcome = code === "OK" ? "success" : "error";
      mountsInFlight.inc({}, -1);
      mounts.inc({ outcome, code });
      mountDuration.observe({ outcome }, durationMs / 1000);
    },
    awsCall(event) {
      const labels = { service: event.service, operation: event.operation, region: event.region };
      awsCalls.inc({ ...labels, outcome: event.outcome });
      awsDuration.observe(labels, event.durationMs / 1000);
    },
    kubeRequest(event) {
      const labels = { verb: event.verb, resource: event.resource };
      kubeRequests.inc({ ...labels, outcome: toKubeOutcome(event.status) });
      kubeDuration.observe(labels, event.durationMs / 1000);
    },
    cacheLookup(cache, hit) {
      (hit ? cacheHits : cacheMisses).inc({ cache });
    },
  };
}

/** Metrics that record nothing (tests and tools that do not care). */
export const noopMetrics: Metrics = {
  mountStarted: () => {},
  mountFinished: () => {},
  awsCall: () => {},
  kubeRequest: () => {},
  cacheLookup: () => {},
};

function toKubeOutcome(status: number | "error"): string {
  if (status === "error") return "error";
  return status >= 200 && status < 300 ? "success" : String(status);
}
