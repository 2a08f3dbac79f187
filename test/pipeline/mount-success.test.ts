import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { filesOf, startTestBed, type TestBed, type Workload } from "../helpers/test-bed.ts";

const region = "us-east-1";
let bed: TestBed;
let workload: Workload;
let arns: { db: string; api: string; cert: string };
let versions: { db: string; apiOld: string; api: string; cert: string };

beforeAll(async () => {
  bed = await startTestBed();
  workload = bed.workload({ namespace: "shop", serviceAccount: "web" });
  bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "*" });
  bed.aws.grant(workload.roleArn, { service: "ssm", resource: "*" });
  const db = bed.aws.putSecret(region, {
    name: "prod/db",
    secretString: '{"username":"alice","pass-word":"s3cr3t-pw"}',
  });
  const apiOld = bed.aws.putSecret(region, { name: "prod/api-key", secretString: "api-key-v1" });
  const api = bed.aws.putSecret(region, { name: "prod/api-key", secretString: "api-key-v2" });
  const cert = bed.aws.putSecret(region, {
    name: "prod/cert",
    secretBinary: new Uint8Array([0, 1, 2, 254, 255]),
  });
  bed.aws.putParameter(region, { name: "/app/flags", type: "String", value: "flag-a=on" });
  bed.aws.putParameter(region, {
    name: "/app/hosts",
    type: "StringList",
    value: "a.example,b.example",
  });
  bed.aws.putParameter(region, {
    name: "/app/password",
    type: "SecureString",
    value: "ssm-pw-1",
    labels: ["stable"],
  });
  bed.aws.putParameter(region, { name: "/app/password", type: "SecureString", value: "ssm-pw-2" });
  arns = { db: db.arn, api: api.arn, cert: cert.arn };
  versions = {
    db: db.versionId,
    apiOld: apiOld.versionId,
    api: api.versionId,
    cert: cert.versionId,
  };
});

afterAll(() => bed.stop());

const mixedObjects = () => `
- objectName: "prod/db"
  objectType: "secretsmanager"
  filePermission: "0600"
  jmesPath:
    - path: username
      objectAlias: db-user
    - path: '"pass-word"'
      objectAlias: db-pass
      filePermission: "0400"
- objectName: "${arns.api}"
  objectAlias: api-key
- objectName: "prod/api-key"
  objectType: secretsmanager
  objectVersion: "${versions.apiOld}"
  objectAlias: api-key-old
- objectName: "prod/api-key"
  objectType: secretsmanager
  objectVersionLabel: AWSPREVIOUS
  objectAlias: api-key-previous
- objectName: "prod/cert"
  objectType: secretsmanager
- objectName: /app/flags
  objectType: ssmparameter
- objectName: /app/hosts
  objectType: ssmparameter
  objectAlias: hosts
- objectName: /app/password
  objectType: ssmparameter
  objectVersion: "1"
  objectAlias: password-v1
- objectName: /app/password
  objectType: ssmparameter
  objectVersionLabel: stable
  objectAlias: password-stable
- objectName: /app/password
  objectType: ssmparameter
  objectAlias: password
`;

describe("Mount of a mixed SecretProviderClass", () => {
  test("returns exactly the expected paths, bytes, modes and versions, in SPC order", async () => {
    const response = await bed.mount(workload, { parameters: { region, objects: mixedObjects() } });
    expect(filesOf(response)).toEqual([
      { path: "prod_db", mode: 0o600, text: '{"username":"alice","pass-word":"s3cr3t-pw"}' },
      { path: "db-user", mode: 0o600, text: "alice" },
      { path: "db-pass", mode: 0o400, text: "s3cr3t-pw" },
      { path: "api-key", mode: 0o644, text: "api-key-v2" },
      { path: "api-key-old", mode: 0o644, text: "api-key-v1" },
      { path: "api-key-previous", mode: 0o644, text: "api-key-v1" },
      {
        path: "prod_cert",
        mode: 0o644,
        text: new TextDecoder().decode(new Uint8Array([0, 1, 2, 254, 255])),
      },
      { path: "_app_flags", mode: 0o644, text: "flag-a=on" },
      { path: "hosts", mode: 0o644, text: "a.example,b.example" },
      { path: "password-v1", mode: 0o644, text: "ssm-pw-1" },
      { path: "password-stable", mode: 0o644, text: "ssm-pw-1" },
      { path: "password", mode: 0o644, text: "ssm-pw-2" },
    ]);
    expect(Array.from(response.files[6]?.contents ?? [])).toEqual([0, 1, 2, 254, 255]);
    expect(response.objectVersion.map((v) => [v.id, v.version])).toEqual([
      ["prod_db", versions.db],
      ["db-user", versions.db],
      ["db-pass", versions.db],
      ["api-key", versions.api],
      ["api-key-old", versions.apiOld],
      ["api-key-previous", versions.apiOld],
      ["prod_cert", versions.cert],
      ["_app_flags", "1"],
      ["hosts", "1"],
      ["password-v1", "1"],
      ["password-stable", "1"],
      ["password", "2"],
    ]);
  });

  test("batches the SSM parameters into one GetParameters call; a remount within the TTL calls nothing", async () => {
    const fresh = bed.workload({ namespace: "shop", serviceAccount: "batch-checker" });
    bed.aws.grant(fresh.roleArn, { service: "secretsmanager", resource: "*" });
    bed.aws.grant(fresh.roleArn, { service: "ssm", resource: "*" });
    bed.aws.resetCalls();
    const first = await bed.mount(fresh, { parameters: { region, objects: mixedObjects() } });
    const operations = bed.aws.calls.map((c) => c.operation);
    expect(operations.filter((o) => o === "GetParameters")).toHaveLength(1);
    expect(operations.filter((o) => o === "GetSecretValue")).toHaveLength(5);
    expect(operations.filter((o) => o === "AssumeRoleWithWebIdentity")).toHaveLength(1);

    bed.aws.resetCalls();
    const again = await bed.mount(fresh, { parameters: { region, objects: mixedObjects() } });
    expect(bed.aws.calls).toHaveLength(0);
    expect(filesOf(again)).toEqual(filesOf(first));
    expect(again.objectVersion).toEqual(first.objectVersion);
  });

  test("uses the request permission as the default mode", async () => {
    const response = await bed.mount(workload, {
      permission: String(0o440),
      parameters: { region, objects: "- {objectName: prod/db, objectType: secretsmanager}" },
    });
    expect(response.files[0]?.mode).toBe(0o440);
  });

  test("an ARN without alias keeps its name, with / translated", async () => {
    const response = await bed.mount(workload, {
      parameters: { region, objects: `- objectName: "${arns.cert}"` },
    });
    expect(response.files[0]?.path).toBe(arns.cert.replaceAll("/", "_"));
  });

  test.each([
    ["default", undefined, ["prod_db", "_app_flags"]],
    ["a custom character", "-", ["prod-db", "-app-flags"]],
    ["False, which makes subdirectories", "False", ["prod/db", "app/flags"]],
  ])("pathTranslation %s", async (_name, pathTranslation, paths) => {
    const parameters: Record<string, string> = {
      region,
      objects:
        "- {objectName: prod/db, objectType: secretsmanager}\n- {objectName: /app/flags, objectType: ssmparameter}",
    };
    if (pathTranslation !== undefined) parameters["pathTranslation"] = pathTranslation;
    const response = await bed.mount(workload, { parameters });
    expect(response.files.map((f) => f.path)).toEqual(paths);
    expect(response.objectVersion.map((v) => v.id)).toEqual(paths);
  });

  test("takes the region from AWS_REGION when the SPC names none", async () => {
    await using other = await startTestBed({ env: { AWS_REGION: "eu-west-1" } });
    const w = other.workload();
    other.aws.grant(w.roleArn, { service: "secretsmanager", resource: "*" });
    other.aws.putSecret("eu-west-1", { name: "eu-only", secretString: "from-eu" });
    const response = await other.mount(w, {
      parameters: { objects: "- {objectName: eu-only, objectType: secretsmanager}" },
    });
    expect(filesOf(response)[0]?.text).toBe("from-eu");
    expect(other.aws.calls.find((c) => c.operation === "GetSecretValue")?.region).toBe("eu-west-1");
  });

  test("fetches objects concurrently: ten 200 ms secrets take far less than two seconds", async () => {
    for (let i = 0; i < 10; i++)
      bed.aws.putSecret(region, { name: `slow/${i}`, secretString: `v${i}` });
    bed.aws.setLatency(200, { operation: "GetSecretValue" });
    try {
      const objects = Array.from(
        { length: 10 },
        (_, i) => `- {objectName: slow/${i}, objectType: secretsmanager}`,
      ).join("\n");
      const started = performance.now();
      const response = await bed.mount(workload, { parameters: { region, objects } });
      expect(response.files).toHaveLength(10);
      // Sequential fetching would take ≥ 2000 ms; this bound only separates the two designs.
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      bed.aws.setLatency(0, { operation: "GetSecretValue" });
    }
  });

  test("logs an SPC's unknown parameter and field once, however often it is mounted", async () => {
    const parameters = {
      region,
      regoin: region,
      objects: "- {objectName: prod/api-key, objectType: secretsmanager, objectAliass: key}",
    };
    const before = bed.output().split("\n").length;
    // Three remounts, as the driver's rotation sends them: the same SPC each time.
    for (let i = 0; i < 3; i++) {
      const response = await bed.mount(workload, { parameters });
      expect(filesOf(response)[0]?.text).toBe("api-key-v2");
    }
    const warnings = bed
      .output()
      .split("\n")
      .slice(before - 1)
      .filter((line) => line.includes("SecretProviderClass has a questionable field"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('did you mean \\"region\\"?');
    expect(warnings[1]).toContain('did you mean \\"objectAlias\\"?');
  });
});
