import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary } from "../helpers/built-binary.ts";
import { isServiceError } from "../helpers/driver-client.ts";
import { parsePrometheusText, sampleValue } from "../helpers/parse-prometheus-text.ts";
import { startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const region = "us-east-1";
const prefix = "secrets_store_provider_aws_";
const sm = (name: string) => `- {objectName: "${name}", objectType: secretsmanager}`;

/** The JSON log lines whose `msg` is one of `messages`, in order. */
function logLines(bed: TestBed, ...messages: string[]): Record<string, unknown>[] {
  return bed
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => messages.includes(String(entry["msg"])));
}

async function scrape(bed: TestBed) {
  const response = await fetch(`${await bed.metricsUrl()}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return parsePrometheusText(await response.text());
}

describe("/metrics, /healthz and /readyz (in-process)", () => {
  let bed: TestBed;
  let workload: Workload;

  beforeAll(async () => {
    // No value cache, so that every mount reaches AWS and the counts below are exact.
    bed = await startTestBed({ flags: ["--cache-ttl=0"] });
    workload = bed.workload({ namespace: "shop", serviceAccount: "web", pod: "web-7d9" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "app/*" });
    bed.aws.putSecret(region, { name: "app/db", secretString: "metrics-db-value" });
    bed.aws.putSecret(region, { name: "app/api", secretString: "metrics-api-value" });
  });

  afterAll(() => bed.stop());

  test("counts 3 successful and 1 NOT_FOUND mount, and the GetSecretValue calls behind them", async () => {
    for (const name of ["app/db", "app/db", "app/api"]) {
      await bed.mount(workload, { parameters: { region, objects: sm(name) } });
    }
    const error = await bed
      .mount(workload, { parameters: { region, objects: sm("app/missing") } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isServiceError(error) && error.details).toContain("app/missing");

    const page = await scrape(bed);
    expect(sampleValue(page, `${prefix}mounts_total`, { outcome: "success", code: "OK" })).toBe(3);
    expect(
      sampleValue(page, `${prefix}mounts_total`, { outcome: "error", code: "NOT_FOUND" }),
    ).toBe(1);
    const getSecretValue = (outcome: string) =>
      sampleValue(page, `${prefix}aws_api_calls_total`, {
        service: "secretsmanager",
        operation: "GetSecretValue",
        region,
        outcome,
      });
    expect(getSecretValue("success")).toBe(3);
    expect(getSecretValue("ResourceNotFoundException")).toBe(1);
    const stsCalls = bed.aws.calls.filter((c) => c.operation === "AssumeRoleWithWebIdentity");
    expect(
      sampleValue(page, `${prefix}aws_api_calls_total`, {
        service: "sts",
        operation: "AssumeRoleWithWebIdentity",
        region,
        outcome: "success",
      }),
    ).toBe(stsCalls.length);
    expect(
      sampleValue(page, `${prefix}aws_api_call_duration_seconds_count`, {
        service: "secretsmanager",
        operation: "GetSecretValue",
        region,
      }),
    ).toBe(4);
    expect(sampleValue(page, `${prefix}mount_duration_seconds_count`, { outcome: "success" })).toBe(
      3,
    );
    expect(sampleValue(page, `${prefix}mounts_in_flight`)).toBe(0);
    expect(
      sampleValue(page, `${prefix}kube_api_requests_total`, {
        verb: "get",
        resource: "serviceaccounts",
        outcome: "success",
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(page, "process_resident_memory_bytes")).toBeGreaterThan(1024 * 1024);
    const startTime = sampleValue(page, "process_start_time_seconds") ?? 0;
    expect(Math.abs(startTime - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
  });

  test("logs one summary line per Mount with who, what, how long and what it cost", () => {
    const lines = logLines(bed, "Mount succeeded", "Mount failed");
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).toMatchObject({
        pod: "web-7d9",
        namespace: "shop",
        secretProviderClass: "test-spc",
        objects: 1,
      });
      expect(line["durationMs"]).toBeNumber();
      expect(line["cacheHits"]).toBeNumber();
    }
    expect(lines.map((l) => [l["outcome"], l["code"]])).toEqual([
      ["success", "OK"],
      ["success", "OK"],
      ["success", "OK"],
      ["error", "NOT_FOUND"],
    ]);
    // Every AWS request the fake saw was made by one of these mounts, and counted for it.
    const awsCalls = lines.reduce((sum, l) => sum + Number(l["awsCalls"]), 0);
    expect(awsCalls).toBe(bed.aws.calls.length);
    expect(lines.every((l) => Number(l["awsCalls"]) >= 1)).toBe(true);
  });

  test("the whole page is valid Prometheus text, with every series family documented", async () => {
    const page = await scrape(bed);
    for (const family of page.values()) {
      expect(family.help).toBeString();
      expect(family.type).not.toBe("untyped");
    }
    expect([...page.keys()]).toEqual(
      expect.arrayContaining([
        `${prefix}mounts_total`,
        `${prefix}mount_duration_seconds`,
        `${prefix}mounts_in_flight`,
        `${prefix}aws_api_calls_total`,
        `${prefix}aws_api_call_duration_seconds`,
        `${prefix}kube_api_requests_total`,
        `${prefix}cache_hits_total`,
        `${prefix}cache_misses_total`,
        "process_resident_memory_bytes",
        "process_start_time_seconds",
      ]),
    );
  });

  test("/readyz and /healthz answer 200 while the socket serves; other paths are 404", async () => {
    const url = await bed.metricsUrl();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok\n");
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metricsx`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
  });

  // Last: it stops the gRPC server of this bed.
  test("/healthz and /readyz turn 503 when the gRPC server stops while HTTP is still up", async () => {
    const url = await bed.metricsUrl();
    expect(bed.provider).toBeDefined();
    await bed.provider?.stopGrpcServer(0);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.text()).toContain("Version over");
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});

describe("per-mount cache hits (in-process, value cache on)", () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(() => bed.stop());

  test("a remount within the TTL is logged with its cache hits and no AWS call", async () => {
    const workload = bed.workload({ serviceAccount: "cached", pod: "cached-pod" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "app/*" });
    bed.aws.putSecret(region, { name: "app/cached", secretString: "cached-secret-value" });
    await bed.mount(workload, { parameters: { region, objects: sm("app/cached") } });
    await bed.mount(workload, { parameters: { region, objects: sm("app/cached") } });
    const [first, second] = logLines(bed, "Mount succeeded");
    expect(Number(first?.["awsCalls"])).toBeGreaterThanOrEqual(1);
    expect(second?.["awsCalls"]).toBe(0);
    expect(Number(second?.["cacheHits"])).toBeGreaterThanOrEqual(1);
    const page = await scrape(bed);
    expect(sampleValue(page, `${prefix}cache_hits_total`, { cache: "values" })).toBe(1);
    expect(sampleValue(page, `${prefix}cache_misses_total`, { cache: "values" })).toBe(1);
  });
});

describe("the compiled binary's metrics listener", () => {
  test("serves /metrics and /healthz, with the bound port in the start line", async () => {
    await using bed = await startTestBed({ mode: "binary" });
    const workload = bed.workload({ serviceAccount: "bin" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "app/*" });
    bed.aws.putSecret(region, { name: "app/bin", secretString: "binary-secret-value" });
    await bed.mount(workload, { parameters: { region, objects: sm("app/bin") } });
    const url = await bed.metricsUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toEndWith(":0");
    const page = await scrape(bed);
    expect(sampleValue(page, `${prefix}mounts_total`, { outcome: "success", code: "OK" })).toBe(1);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  test("a metrics port already in use exits 1 with one line naming --metrics-address", async () => {
    using taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const dir = `${process.env["TMPDIR"] ?? "/tmp"}/aws-provider-port-${crypto.randomUUID()}`;
    await Bun.$`mkdir -p ${dir}`;
    try {
      const result = Bun.spawnSync(
        [
          ensureBinary(),
          `--provider-volume=${dir}`,
          "--kube-api-url=http://127.0.0.1:1",
          `--metrics-address=127.0.0.1:${taken.port}`,
        ],
        { env: { PATH: "/usr/bin:/bin" } },
      );
      expect(result.exitCode).toBe(1);
      expect(result.stderr.toString().trim().split("\n")).toEqual([
        `secrets-store-csi-driver-provider-aws: cannot listen on "127.0.0.1:${taken.port}" (--metrics-address): the port is in use, or the host is not an address of this machine`,
      ]);
      // The gRPC socket it had opened is gone again.
      expect(await Bun.file(`${dir}/aws.sock`).exists()).toBe(false);
    } finally {
      await Bun.$`rm -rf ${dir}`;
    }
  });
});

describe("summary lines at --log-level=warn (binary)", () => {
  test("every failed Mount is logged, at warn when the request is at fault and error otherwise", async () => {
    await using bed = await startTestBed({ mode: "binary", flags: ["--log-level=warn"] });
    const workload = bed.workload({ serviceAccount: "quiet" });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "quiet/*" });
    bed.aws.putSecret("us-east-1", { name: "quiet/ok", secretString: "ok" });
    bed.aws.failNext(
      "GetSecretValue",
      { status: 500, code: "InternalServiceError", message: "down" },
      { times: 10 },
    );
    const mount = (objects: string) =>
      bed.mount(workload, { parameters: { region: "us-east-1", objects } }).catch(() => {});
    await mount("- {objectName: quiet/x, objectType: nonsense}");
    await mount("- {objectName: quiet/ok, objectType: secretsmanager}");
    const lines = bed
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: string; msg: string; code?: string });
    expect(
      lines.filter((line) => line.msg === "Mount failed").map((l) => [l.level, l.code]),
    ).toEqual([
      ["warn", "INVALID_ARGUMENT"],
      ["error", "INTERNAL"],
    ]);
    expect(lines.some((line) => line.level === "info" || line.level === "debug")).toBe(false);
  });
});
