import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { applySeed, createFakeAws, type FakeAws } from "./fake-aws.ts";

const region = "us-east-1";
const otherRegion = "eu-west-1";
const roleA = "arn:aws:iam::111122223333:role/app-a";
const roleB = "arn:aws:iam::111122223333:role/app-b";
const crossRole = "arn:aws:iam::444455556666:role/shared-reader";

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Only explicit options: never environment or shared config files. */
const placeholder: Creds = { accessKeyId: "unused", secretAccessKey: "unused" };

type Middleware = Parameters<SecretsManagerClient["middlewareStack"]["addRelativeTo"]>[0];

interface AwsErrorShape {
  name: string;
  message: string;
  $fault: string;
  $metadata: { httpStatusCode?: number; attempts?: number };
}

async function rejection(promise: Promise<unknown>): Promise<AwsErrorShape> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as AwsErrorShape;
  }
  throw new Error("expected the call to fail");
}

let fake: FakeAws;

beforeEach(() => {
  fake = createFakeAws();
});

afterEach(async () => {
  await fake.close();
});

function sts(credentials: Creds = placeholder, regionName = region): STSClient {
  return new STSClient({ endpoint: fake.url, region: regionName, credentials, maxAttempts: 1 });
}

function secretsManager(
  credentials: Creds,
  regionName = region,
  maxAttempts = 1,
): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: fake.url,
    region: regionName,
    credentials,
    maxAttempts,
  });
}

function ssm(credentials: Creds, regionName = region): SSMClient {
  return new SSMClient({ endpoint: fake.url, region: regionName, credentials, maxAttempts: 1 });
}

async function webIdentityCredentials(roleArn = roleA, token = "token-a"): Promise<Creds> {
  fake.trustWebIdentity(token, { roleArns: [roleArn] });
  const output = await sts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: "team.app",
      WebIdentityToken: token,
    }),
  );
  const credentials = output.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
    throw new Error("no credentials");
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

describe("STS AssumeRoleWithWebIdentity", () => {
  test("issues ASIA credentials for the role, one hour ahead, and records role, session and token", async () => {
    fake.trustWebIdentity("token-a", {
      roleArns: [roleA],
      subject: "system:serviceaccount:team:app",
    });
    const output = await sts().send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleA,
        RoleSessionName: "team.app",
        WebIdentityToken: "token-a",
      }),
    );
    expect(output.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(output.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(output.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    const expiresIn = (output.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
    expect(expiresIn).toBeGreaterThan(3590_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(output.AssumedRoleUser?.Arn).toBe(
      "arn:aws:sts::111122223333:assumed-role/app-a/team.app",
    );
    expect(output.SubjectFromWebIdentityToken).toBe("system:serviceaccount:team:app");
    const [call] = fake.calls;
    expect(call).toMatchObject({
      service: "sts",
      operation: "AssumeRoleWithWebIdentity",
      roleArn: roleA,
      sessionName: "team.app",
      webIdentityToken: "token-a",
      accessKeyId: undefined,
      status: 200,
    });
  });

  test("honours DurationSeconds and the configured default lifetime", async () => {
    await fake.close();
    fake = createFakeAws({ defaultSessionDurationSeconds: 1200 });
    fake.trustWebIdentity("token-a");
    const send = (DurationSeconds?: number) =>
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "s1",
          WebIdentityToken: "token-a",
          ...(DurationSeconds ? { DurationSeconds } : {}),
        }),
      );
    const byDefault = await send();
    const explicit = await send(900);
    const seconds = (date: Date | undefined) =>
      Math.round(((date?.getTime() ?? 0) - Date.now()) / 1000);
    expect(seconds(byDefault.Credentials?.Expiration)).toBeWithin(1195, 1201);
    expect(seconds(explicit.Credentials?.Expiration)).toBeWithin(895, 901);
  });

  test("answers an unknown token with InvalidIdentityToken (400)", async () => {
    const error = await rejection(
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "s1",
          WebIdentityToken: "nope",
        }),
      ),
    );
    expect(error.name).toBe("InvalidIdentityTokenException");
    expect(error.$fault).toBe("client");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(fake.calls[0]?.errorCode).toBe("InvalidIdentityToken");
  });

  test("answers a token marked expired with ExpiredTokenException", async () => {
    fake.trustWebIdentity("old", { expired: true });
    const error = await rejection(
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "s1",
          WebIdentityToken: "old",
        }),
      ),
    );
    expect(error.name).toBe("ExpiredTokenException");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  test("denies a role the token is not trusted for with AccessDenied (403)", async () => {
    fake.trustWebIdentity("token-a", { roleArns: [roleA] });
    const error = await rejection(
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleB,
          RoleSessionName: "s1",
          WebIdentityToken: "token-a",
        }),
      ),
    );
    expect(error.name).toBe("AccessDenied");
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe("Not authorized to perform sts:AssumeRoleWithWebIdentity");
  });

  test("rejects a session name outside [\\w+=,.@-] with ValidationError", async () => {
    fake.trustWebIdentity("token-a");
    const error = await rejection(
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "ns/sa",
          WebIdentityToken: "token-a",
        }),
      ),
    );
    expect(error.name).toBe("ValidationError");
    expect(error.message).toContain("'ns/sa' at 'roleSessionName'");
  });
});

describe("Secrets Manager GetSecretValue", () => {
  beforeEach(() => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
  });

  test("returns a string secret with its ARN, version and AWSCURRENT stage", async () => {
    const put = fake.putSecret(region, { name: "db/password", secretString: "hunter2" });
    expect(put.arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:111122223333:secret:db\/password-[A-Za-z0-9]{6}$/,
    );
    const output = await secretsManager(await webIdentityCredentials()).send(
      new GetSecretValueCommand({ SecretId: "db/password" }),
    );
    expect(output).toMatchObject({
      ARN: put.arn,
      Name: "db/password",
      VersionId: put.versionId,
      SecretString: "hunter2",
      VersionStages: ["AWSCURRENT"],
    });
    expect(output.SecretBinary).toBeUndefined();
    expect(Math.abs((output.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(5000);
  });

  test("returns a binary secret as bytes", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    fake.putSecret(region, { name: "cert", secretBinary: bytes });
    const output = await secretsManager(await webIdentityCredentials()).send(
      new GetSecretValueCommand({ SecretId: "cert" }),
    );
    expect(output.SecretBinary).toEqual(bytes);
    expect(output.SecretString).toBeUndefined();
  });

  test("finds a secret by full ARN and by partial ARN without the random suffix", async () => {
    const put = fake.putSecret(region, { name: "api-key", secretString: "k1" });
    const client = secretsManager(await webIdentityCredentials());
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: put.arn }));
    const partial = `arn:aws:secretsmanager:${region}:111122223333:secret:api-key`;
    const byPartial = await client.send(new GetSecretValueCommand({ SecretId: partial }));
    expect(byArn.SecretString).toBe("k1");
    expect(byPartial.ARN).toBe(put.arn);
    const wrongSuffix = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: `${partial}-zzzzzz` })),
    );
    expect(wrongSuffix.name).toBe("ResourceNotFoundException");
  });

  test("a second put takes AWSCURRENT and leaves AWSPREVIOUS on the old version", async () => {
    const first = fake.putSecret(region, { name: "rotating", secretString: "v1" });
    const second = fake.putSecret(region, { name: "rotating", secretString: "v2" });
    expect(second.arn).toBe(first.arn);
    const client = secretsManager(await webIdentityCredentials());
    const current = await client.send(new GetSecretValueCommand({ SecretId: "rotating" }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionStage: "AWSPREVIOUS" }),
    );
    const byId = await client.send(
      new GetSecretValueCommand({ SecretId: "rotating", VersionId: first.versionId }),
    );
    expect([current.SecretString, current.VersionId]).toEqual(["v2", second.versionId]);
    expect([previous.SecretString, previous.VersionStages]).toEqual(["v1", ["AWSPREVIOUS"]]);
    expect(byId.SecretString).toBe("v1");
    const described = await client.send(new DescribeSecretCommand({ SecretId: "rotating" }));
    expect(described.VersionIdsToStages).toEqual({
      [first.versionId]: ["AWSPREVIOUS"],
      [second.versionId]: ["AWSCURRENT"],
    });
  });

  test("reports unknown secrets, version ids and stages as ResourceNotFoundException", async () => {
    fake.putSecret(region, { name: "known", secretString: "x", versionId: "v-1" });
    const client = secretsManager(await webIdentityCredentials());
    const noSecret = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: "missing" })),
    );
    const noVersion = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: "known", VersionId: "v-9" })),
    );
    const noStage = await rejection(
      client.send(new GetSecretValueCommand({ SecretId: "known", VersionStage: "AWSPENDING" })),
    );
    expect([noSecret.name, noSecret.message, noSecret.$metadata.httpStatusCode]).toEqual([
      "ResourceNotFoundException",
      "Secrets Manager can't find the specified secret.",
      400,
    ]);
    expect(noVersion.message).toBe(
      "Secrets Manager can't find the specified secret value for VersionId: v-9",
    );
    expect(noStage.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
  });

  test("rejects a VersionId and VersionStage that name different versions", async () => {
    fake.putSecret(region, { name: "s", secretString: "1", versionId: "old" });
    fake.putSecret(region, { name: "s", secretString: "2", versionId: "new" });
    const client = secretsManager(await webIdentityCredentials());
    const agree = await client.send(
      new GetSecretValueCommand({ SecretId: "s", VersionId: "old", VersionStage: "AWSPREVIOUS" }),
    );
    expect(agree.SecretString).toBe("1");
    const error = await rejection(
      client.send(
        new GetSecretValueCommand({ SecretId: "s", VersionId: "old", VersionStage: "AWSCURRENT" }),
      ),
    );
    expect(error.name).toBe("InvalidRequestException");
  });

  test("answers DecryptionFailure for a secret whose KMS decrypt is denied", async () => {
    fake.putSecret(region, { name: "kms", secretString: "x" });
    fake.denyDecrypt(region, "kms");
    const error = await rejection(
      secretsManager(await webIdentityCredentials()).send(
        new GetSecretValueCommand({ SecretId: "kms" }),
      ),
    );
    expect(error.name).toBe("DecryptionFailure");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe("Secrets Manager BatchGetSecretValue", () => {
  test("returns found secrets and an Errors entry for a missing id", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    const one = fake.putSecret(region, { name: "one", secretString: "1" });
    const output = await secretsManager(await webIdentityCredentials()).send(
      new BatchGetSecretValueCommand({ SecretIdList: ["one", "ghost"] }),
    );
    expect(output.SecretValues?.map((value) => [value.ARN, value.SecretString])).toEqual([
      [one.arn, "1"],
    ]);
    expect(output.Errors).toEqual([
      {
        SecretId: "ghost",
        ErrorCode: "ResourceNotFoundException",
        Message: "Secrets Manager can't find the specified secret.",
      },
    ]);
  });

  test("rejects more than 20 ids", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    const ids = Array.from({ length: 21 }, (_, index) => `s${index}`);
    const error = await rejection(
      secretsManager(await webIdentityCredentials()).send(
        new BatchGetSecretValueCommand({ SecretIdList: ids }),
      ),
    );
    expect(error.name).toBe("ValidationException");
  });
});

describe("SSM GetParameters", () => {
  beforeEach(() => {
    fake.grant(roleA, { service: "ssm", resource: "*" });
  });

  test("resolves version and label selectors and lists unknown names exactly as requested", async () => {
    const v1 = fake.putParameter(region, {
      name: "/app/db",
      type: "String",
      value: "one",
      labels: ["stable"],
    });
    fake.putParameter(region, { name: "/app/db", type: "String", value: "two", labels: ["beta"] });
    fake.putParameter(region, { name: "hosts", type: "StringList", value: "a,b,c" });
    expect(v1).toEqual({
      arn: "arn:aws:ssm:us-east-1:111122223333:parameter/app/db",
      name: "/app/db",
      version: 1,
    });
    const output = await ssm(await webIdentityCredentials()).send(
      new GetParametersCommand({
        Names: [
          "/app/db",
          "/app/db:1",
          "/app/db:beta",
          "hosts",
          "/app/db:7",
          "/app/db:gamma",
          "/nope",
        ],
        WithDecryption: true,
      }),
    );
    expect(
      output.Parameters?.map((parameter) => [
        parameter.Name,
        parameter.Value,
        parameter.Version,
        parameter.Selector,
      ]),
    ).toEqual([
      ["/app/db", "two", 2, undefined],
      ["/app/db", "one", 1, ":1"],
      ["/app/db", "two", 2, ":beta"],
      ["hosts", "a,b,c", 1, undefined],
    ]);
    expect(output.Parameters?.[3]).toMatchObject({
      Type: "StringList",
      DataType: "text",
      ARN: "arn:aws:ssm:us-east-1:111122223333:parameter/hosts",
    });
    expect(output.InvalidParameters).toEqual(["/app/db:7", "/app/db:gamma", "/nope"]);
  });

  test("accepts ARNs as names and hides SecureString values without decryption", async () => {
    const put = fake.putParameter(region, {
      name: "/app/token",
      type: "SecureString",
      value: "s3cret",
    });
    const client = ssm(await webIdentityCredentials());
    const plain = await client.send(
      new GetParametersCommand({ Names: [put.arn], WithDecryption: true }),
    );
    const hidden = await client.send(
      new GetParametersCommand({ Names: [`${put.arn}:1`], WithDecryption: false }),
    );
    expect(plain.Parameters?.[0]?.Value).toBe("s3cret");
    expect(hidden.Parameters?.[0]?.Value).not.toContain("s3cret");
    expect(hidden.Parameters?.[0]?.Value?.length).toBeGreaterThan(20);
    expect(hidden.Parameters?.[0]?.Selector).toBe(":1");
  });

  test("rejects more than 10 names with ValidationException", async () => {
    const names = Array.from({ length: 11 }, (_, index) => `/p${index}`);
    const error = await rejection(
      ssm(await webIdentityCredentials()).send(new GetParametersCommand({ Names: names })),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toContain("less than or equal to 10");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe("SigV4 verification", () => {
  test("surfaces InvalidSignatureException when the secret key was tampered with", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(region, { name: "s", secretString: "x" });
    const good = await webIdentityCredentials();
    // Another last character, always: the issued keys are random and may end in "X" already.
    const last = good.secretAccessKey.endsWith("X") ? "Y" : "X";
    const tampered = { ...good, secretAccessKey: `${good.secretAccessKey.slice(0, -1)}${last}` };
    const error = await rejection(
      secretsManager(tampered).send(new GetSecretValueCommand({ SecretId: "s" })),
    );
    expect(error.name).toBe("InvalidSignatureException");
    expect(error.$fault).toBe("client");
    const ok = await secretsManager(good).send(new GetSecretValueCommand({ SecretId: "s" }));
    expect(ok.SecretString).toBe("x");
  });

  test("recomputes the signature over signed headers and body, not just the key", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(region, { name: "allowed", secretString: "a" });
    fake.putSecret(region, { name: "other", secretString: "b" });
    const client = secretsManager(await webIdentityCredentials());
    const body = JSON.stringify({ SecretId: "other" });
    type Args = { request: { body: unknown; headers: Record<string, string> } };
    // Rewrites body and payload hash after signing, as a man in the middle would.
    const tamper = (next: (args: Args) => Promise<unknown>) => async (args: Args) => {
      args.request.body = body;
      args.request.headers["content-length"] = String(Buffer.byteLength(body));
      args.request.headers["x-amz-content-sha256"] = new Bun.CryptoHasher("sha256")
        .update(body)
        .digest("hex");
      return next(args);
    };
    client.middlewareStack.addRelativeTo(tamper as unknown as Middleware, {
      relation: "after",
      toMiddleware: "httpSigningMiddleware",
      name: "tamperAfterSigning",
    });
    const error = await rejection(client.send(new GetSecretValueCommand({ SecretId: "allowed" })));
    expect(error.name).toBe("InvalidSignatureException");
    expect(fake.calls.at(-1)?.input).toEqual({ SecretId: "other" });
  });

  test("answers UnrecognizedClientException for an access key it never issued", async () => {
    const error = await rejection(
      secretsManager({
        accessKeyId: "ASIAUNKNOWNUNKNOWN22",
        secretAccessKey: "x",
        sessionToken: "t",
      }).send(new GetSecretValueCommand({ SecretId: "s" })),
    );
    expect(error.name).toBe("UnrecognizedClientException");
    expect(error.message).toBe("The security token included in the request is invalid.");
  });

  test("answers UnrecognizedClientException for a wrong session token", async () => {
    const good = await webIdentityCredentials();
    const error = await rejection(
      secretsManager({ ...good, sessionToken: "forged" }).send(
        new GetSecretValueCommand({ SecretId: "s" }),
      ),
    );
    expect(error.name).toBe("UnrecognizedClientException");
  });

  test("answers ExpiredTokenException once the credentials expired", async () => {
    const good = await webIdentityCredentials();
    fake.expireCredentials(good.accessKeyId);
    const error = await rejection(
      secretsManager(good).send(new GetSecretValueCommand({ SecretId: "s" })),
    );
    expect(error.name).toBe("ExpiredTokenException");
  });

  test("answers SignatureDoesNotMatch (403) for a badly signed STS call", async () => {
    const good = await webIdentityCredentials();
    const error = await rejection(
      sts({ ...good, secretAccessKey: "wrong" }).send(new GetCallerIdentityCommand({})),
    );
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(["SignatureDoesNotMatch", 403]);
    const identity = await sts(good).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe("arn:aws:sts::111122223333:assumed-role/app-a/team.app");
  });
});

describe("permissions", () => {
  test("two roles see only what each was granted, with AWS's AccessDenied message", async () => {
    const a = fake.putSecret(region, { name: "team-a/db", secretString: "A" });
    fake.putSecret(region, { name: "team-b/db", secretString: "B" });
    fake.grant(roleA, { service: "secretsmanager", resource: "team-a/*" });
    fake.grant(roleB, {
      service: "secretsmanager",
      resource: "team-b/db",
      actions: ["GetSecretValue"],
    });
    const clientA = secretsManager(await webIdentityCredentials(roleA, "token-a"));
    const clientB = secretsManager(await webIdentityCredentials(roleB, "token-b"));
    expect(
      (await clientA.send(new GetSecretValueCommand({ SecretId: "team-a/db" }))).SecretString,
    ).toBe("A");
    expect(
      (await clientB.send(new GetSecretValueCommand({ SecretId: "team-b/db" }))).SecretString,
    ).toBe("B");
    const denied = await rejection(
      clientB.send(new GetSecretValueCommand({ SecretId: "team-a/db" })),
    );
    expect(denied.name).toBe("AccessDeniedException");
    expect(denied.$metadata.httpStatusCode).toBe(400);
    expect(denied.message).toBe(
      `User: arn:aws:sts::111122223333:assumed-role/app-b/team.app is not authorized to perform: secretsmanager:GetSecretValue on resource: ${a.arn} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
    const describeDenied = await rejection(
      clientB.send(new DescribeSecretCommand({ SecretId: "team-b/db" })),
    );
    expect(describeDenied.name).toBe("AccessDeniedException");
  });

  test("denies the whole GetParameters call when one name is not granted", async () => {
    fake.putParameter(region, { name: "/a/x", type: "String", value: "x" });
    fake.putParameter(region, { name: "/b/y", type: "String", value: "y" });
    fake.grant(roleA, {
      service: "ssm",
      resource: "arn:aws:ssm:us-east-1:111122223333:parameter/a/*",
    });
    const client = ssm(await webIdentityCredentials());
    const allowed = await client.send(new GetParametersCommand({ Names: ["/a/x"] }));
    expect(allowed.Parameters?.[0]?.Value).toBe("x");
    const error = await rejection(
      client.send(new GetParametersCommand({ Names: ["/a/x", "/b/y"] })),
    );
    expect(error.name).toBe("AccessDeniedException");
    expect(error.message).toContain(
      "ssm:GetParameters on resource: arn:aws:ssm:us-east-1:111122223333:parameter/b/y",
    );
  });
});

describe("regions", () => {
  test("keeps data per region and looks up in the credential scope's region", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(region, { name: "shared", secretString: "east" });
    fake.putSecret(otherRegion, { name: "shared", secretString: "west" });
    fake.putSecret(region, { name: "east-only", secretString: "e" });
    const credentials = await webIdentityCredentials();
    const east = secretsManager(credentials, region);
    const west = secretsManager(credentials, otherRegion);
    expect((await east.send(new GetSecretValueCommand({ SecretId: "shared" }))).SecretString).toBe(
      "east",
    );
    expect((await west.send(new GetSecretValueCommand({ SecretId: "shared" }))).SecretString).toBe(
      "west",
    );
    const missing = await rejection(
      west.send(new GetSecretValueCommand({ SecretId: "east-only" })),
    );
    expect(missing.name).toBe("ResourceNotFoundException");
    expect(
      fake.calls.filter((call) => call.service === "secretsmanager").map((call) => call.region),
    ).toEqual([region, otherRegion, otherRegion]);
  });
});

describe("fault injection", () => {
  test("failNext 500 with maxAttempts 1 gives a server fault, once", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(region, { name: "s", secretString: "x" });
    const client = secretsManager(await webIdentityCredentials());
    fake.failNext("GetSecretValue", { status: 500, code: "InternalServiceError", message: "boom" });
    const error = await rejection(client.send(new GetSecretValueCommand({ SecretId: "s" })));
    expect([error.name, error.$fault, error.$metadata.httpStatusCode, error.message]).toEqual([
      "InternalServiceError",
      "server",
      500,
      "boom",
    ]);
    expect((await client.send(new GetSecretValueCommand({ SecretId: "s" }))).SecretString).toBe(
      "x",
    );
  });

  test("failNext filters by region and throttling is retried by the SDK", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(region, { name: "s", secretString: "east" });
    fake.putSecret(otherRegion, { name: "s", secretString: "west" });
    const credentials = await webIdentityCredentials();
    fake.failNext(
      "GetSecretValue",
      { status: 400, code: "ThrottlingException", message: "Rate exceeded" },
      { region: otherRegion },
    );
    expect(
      (await secretsManager(credentials, region).send(new GetSecretValueCommand({ SecretId: "s" })))
        .SecretString,
    ).toBe("east");
    const retried = await secretsManager(credentials, otherRegion, 2).send(
      new GetSecretValueCommand({ SecretId: "s" }),
    );
    expect([retried.SecretString, retried.$metadata.attempts]).toEqual(["west", 2]);
  });

  test("failNext answers STS in the query protocol's error shape", async () => {
    fake.trustWebIdentity("token-a");
    fake.failNext("AssumeRoleWithWebIdentity", {
      status: 503,
      code: "ServiceUnavailable",
      message: "later",
    });
    const error = await rejection(
      sts().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "s1",
          WebIdentityToken: "token-a",
        }),
      ),
    );
    expect([error.name, error.$fault, error.$metadata.httpStatusCode, error.message]).toEqual([
      "ServiceUnavailable",
      "server",
      503,
      "later",
    ]);
  });

  test("setLatency delays matching requests only", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(region, { name: "s", secretString: "x" });
    fake.putSecret(otherRegion, { name: "s", secretString: "y" });
    const credentials = await webIdentityCredentials();
    fake.setLatency(600, { region: otherRegion, service: "secretsmanager" });
    const timed = async (regionName: string) => {
      const started = performance.now();
      await secretsManager(credentials, regionName).send(
        new GetSecretValueCommand({ SecretId: "s" }),
      );
      return performance.now() - started;
    };
    expect(await timed(otherRegion)).toBeGreaterThanOrEqual(595);
    expect(await timed(region)).toBeLessThan(500);
    fake.setLatency(0, { region: otherRegion, service: "secretsmanager" });
    expect(await timed(otherRegion)).toBeLessThan(500);
  });

  test("hang holds matching requests until released", async () => {
    fake.grant(roleA, { service: "secretsmanager", resource: "*" });
    fake.putSecret(otherRegion, { name: "s", secretString: "y" });
    const credentials = await webIdentityCredentials();
    const hang = fake.hang({ region: otherRegion });
    let settled = false;
    const pending = secretsManager(credentials, otherRegion)
      .send(new GetSecretValueCommand({ SecretId: "s" }))
      .finally(() => {
        settled = true;
      });
    await Bun.sleep(150);
    expect(settled).toBe(false);
    expect(fake.calls.at(-1)).toMatchObject({ operation: "GetSecretValue", status: 0 });
    hang.release();
    expect((await pending).SecretString).toBe("y");
  });
});

describe("close()", () => {
  test("drops held requests, refuses new ones and works with await using", async () => {
    let url = "";
    let pending: Promise<unknown> | undefined;
    {
      await using other = createFakeAws();
      url = other.url;
      other.trustWebIdentity("t");
      other.hang({ service: "sts" });
      const client = new STSClient({
        endpoint: url,
        region,
        credentials: placeholder,
        maxAttempts: 1,
      });
      pending = client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "s1",
          WebIdentityToken: "t",
        }),
      );
      await Bun.sleep(50);
      expect(other.calls).toHaveLength(1);
    }
    const dropped = await rejection(pending);
    expect(dropped.message).toContain("socket hang up");
    const refused = await rejection(fetch(url));
    expect(refused.message).toMatch(/connect|refused|Unable/i);
  });
});

describe("STS AssumeRole chaining", () => {
  test("issues credentials for the target role with ExternalId and DurationSeconds honoured", async () => {
    fake.defineRole(crossRole, { externalId: "ext-1", trustedPrincipals: [roleA] });
    fake.grant(crossRole, { service: "ssm", resource: "*" });
    fake.putParameter(region, { name: "/shared", type: "String", value: "cross" });
    const source = await webIdentityCredentials();
    const output = await sts(source).send(
      new AssumeRoleCommand({
        RoleArn: crossRole,
        RoleSessionName: "chained",
        ExternalId: "ext-1",
        DurationSeconds: 900,
      }),
    );
    expect(output.AssumedRoleUser?.Arn).toBe(
      "arn:aws:sts::444455556666:assumed-role/shared-reader/chained",
    );
    const expiresIn = ((output.Credentials?.Expiration?.getTime() ?? 0) - Date.now()) / 1000;
    expect(expiresIn).toBeWithin(890, 901);
    const chained: Creds = {
      accessKeyId: output.Credentials?.AccessKeyId ?? "",
      secretAccessKey: output.Credentials?.SecretAccessKey ?? "",
      sessionToken: output.Credentials?.SessionToken ?? "",
    };
    const parameters = await ssm(chained).send(new GetParametersCommand({ Names: ["/shared"] }));
    expect(parameters.Parameters?.[0]?.Value).toBe("cross");
    const sourceDenied = await rejection(
      ssm(source).send(new GetParametersCommand({ Names: ["/shared"] })),
    );
    expect(sourceDenied.name).toBe("AccessDeniedException");
    const assumeCall = fake.calls.find((call) => call.operation === "AssumeRole");
    expect(assumeCall).toMatchObject({
      roleArn: roleA,
      accessKeyId: source.accessKeyId,
      status: 200,
    });
    expect(assumeCall?.input).toMatchObject({
      RoleArn: crossRole,
      ExternalId: "ext-1",
      DurationSeconds: "900",
    });
  });

  test("denies a wrong ExternalId and rejects chained sessions over one hour", async () => {
    fake.defineRole(crossRole, { externalId: "ext-1" });
    const client = sts(await webIdentityCredentials());
    const wrongId = await rejection(
      client.send(
        new AssumeRoleCommand({ RoleArn: crossRole, RoleSessionName: "chain", ExternalId: "nope" }),
      ),
    );
    expect([wrongId.name, wrongId.$metadata.httpStatusCode]).toEqual(["AccessDenied", 403]);
    expect(wrongId.message).toBe(
      `User: arn:aws:sts::111122223333:assumed-role/app-a/team.app is not authorized to perform: sts:AssumeRole on resource: ${crossRole}`,
    );
    const tooLong = await rejection(
      client.send(
        new AssumeRoleCommand({
          RoleArn: crossRole,
          RoleSessionName: "chain",
          ExternalId: "ext-1",
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(tooLong.name).toBe("ValidationError");
  });
});

describe("applySeed()", () => {
  test("loads tokens, roles, grants, secrets and parameters from JSON", async () => {
    applySeed(fake, {
      webIdentityTokens: [{ token: "seeded", roleArns: [roleA] }],
      grants: [
        { roleArn: roleA, service: "secretsmanager", resource: "*" },
        { roleArn: roleA, service: "ssm", resource: "*" },
      ],
      secrets: [{ region, name: "bin", secretBinaryBase64: Buffer.from("raw").toString("base64") }],
      parameters: [{ region, name: "/p", type: "String", value: "pv", labels: ["l1"] }],
    });
    const credentials = await webIdentityCredentials(roleA, "seeded");
    const secret = await secretsManager(credentials).send(
      new GetSecretValueCommand({ SecretId: "bin" }),
    );
    expect(new TextDecoder().decode(secret.SecretBinary)).toBe("raw");
    const parameter = await ssm(credentials).send(new GetParametersCommand({ Names: ["/p:l1"] }));
    expect(parameter.Parameters?.[0]?.Value).toBe("pv");
    expect(() => applySeed(fake, { secrets: [{ name: "no-region" }] })).toThrow(
      "secrets[0].region",
    );
  });
});

describe("scripts/fake-aws-server.ts", () => {
  test("prints its URL, serves the seed and exits on SIGTERM", async () => {
    const seedPath = join(tmpdir(), `fake-aws-seed-${process.pid}-${Date.now()}.json`);
    await Bun.write(
      seedPath,
      JSON.stringify({
        webIdentityTokens: [{ token: "t" }],
        grants: [{ roleArn: roleA, service: "ssm", resource: "*" }],
      }),
    );
    const child = Bun.spawn(
      [process.execPath, join(import.meta.dir, "../../scripts/fake-aws-server.ts"), seedPath],
      {
        stdout: "pipe",
        stderr: "pipe",
        env: { PATH: process.env["PATH"] ?? "" },
      },
    );
    try {
      const reader = child.stdout.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      const url = text.trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new STSClient({
        endpoint: url,
        region,
        credentials: placeholder,
        maxAttempts: 1,
      });
      const output = await client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleA,
          RoleSessionName: "s1",
          WebIdentityToken: "t",
        }),
      );
      expect(output.Credentials?.AccessKeyId).toMatch(/^ASIA/);
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    } finally {
      child.kill();
      await Bun.file(seedPath).delete();
    }
  });
});
