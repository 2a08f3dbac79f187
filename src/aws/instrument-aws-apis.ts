import type { Metrics } from "../metrics.ts";
import type { AwsApis, RegionalApis } from "./aws-apis.ts";
import { AwsError } from "./aws-errors.ts";
import { createCopyOnce } from "./copy-once.ts";

/** Options of {@link instrumentAwsApis}. */
export interface InstrumentAwsApisOptions {
  /** Milliseconds on a monotonic clock. @default performance.now() */
  now?: () => number;
}

/** Metric `service` label of each {@link RegionalApis} member; unknown members use their key. */
const serviceNames: Readonly<Record<string, string>> = {
  secretsManager: "secretsmanager",
  ssm: "ssm",
};

/**
 * Wraps every method of every AWS port that `apis` hands out, so each call reports its service,
 * operation (the method name in PascalCase: `getSecretValue` → `GetSecretValue`), region, outcome
 * (`success` or the AWS error code) and latency to `metrics`. Arguments and results pass through
 * untouched, and errors are rethrown as they are; ports added later are instrumented without
 * changes here.
 */
export function instrumentAwsApis(
  apis: AwsApis,
  metrics: Metrics,
  options: InstrumentAwsApisOptions = {},
): AwsApis {
  const now = options.now ?? (() => performance.now());
  const copyOf = createCopyOnce();
  const wrap = <T extends object>(port: T, service: string, region: string): T =>
    instrumentPort(port, { service, region, metrics, now });
  return {
    ...apis,
    sts: (...args: Parameters<AwsApis["sts"]>) => {
      const sts = apis.sts(...args);
      return copyOf(sts, () => wrap(sts, "sts", args[0]));
    },
    forRegion: (...args: Parameters<AwsApis["forRegion"]>) => {
      const regional: RegionalApis = apis.forRegion(...args);
      return copyOf(regional, () => {
        const wrapped: Record<string, unknown> = {};
        for (const [key, port] of Object.entries(regional)) {
          wrapped[key] =
            port !== null && typeof port === "object"
              ? wrap(port, serviceNames[key] ?? key, args[0])
              : port;
        }
        return wrapped as unknown as RegionalApis;
      });
    },
  };
}

interface PortLabels {
  service: string;
  region: string;
  metrics: Metrics;
  now: () => number;
}

/** A copy of `port` whose methods (own and inherited) report each call. */
function instrumentPort<T extends object>(port: T, labels: PortLabels): T {
  const wrapped: Record<string, unknown> = {};
  for (const name of methodNames(port)) {
    const method = (port as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    const operation = name.charAt(0).toUpperCase() + name.slice(1);
    wrapped[name] = async (...args: unknown[]) => {
      const started = labels.now();
      let outcome = "success";
      try {
        return await method.apply(port, args);
      } catch (error) {
        outcome = toOutcome(error);
        throw error;
      } finally {
        labels.metrics.awsCall({
          service: labels.service,
          operation,
          region: labels.region,
          outcome,
          durationMs: labels.now() - started,
        });
      }
    };
  }
  return wrapped as T;
}

function methodNames(port: object): string[] {
  const names = new Set<string>();
  for (
    let target: object | null = port;
    target !== null && target !== Object.prototype;
    target = Object.getPrototypeOf(target) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(target)) {
      if (name !== "constructor" && typeof (port as Record<string, unknown>)[name] === "function")
        names.add(name);
    }
  }
  return [...names];
}

/**
 * The AWS error code as a label value (the adapters throw only {@link AwsError}); odd codes
 * collapse so the label set stays bounded.
 */
function toOutcome(error: unknown): string {
  const code = error instanceof AwsError ? error.awsCode : "OtherError";
  return /^[A-Za-z][\w.-]{0,63}$/.test(code) ? code : "OtherError";
}
