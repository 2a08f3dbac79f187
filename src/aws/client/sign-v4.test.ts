import { describe, expect, test } from "bun:test";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { NodeSha256 } from "../../../test/fakes/fake-aws/sigv4.ts";
import { createSigV4Signer, type SigningIdentity } from "./sign-v4.ts";

interface Case {
  service: string;
  region: string;
  identity: SigningIdentity;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: Date;
}

async function sdkSignature(c: Case): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: c.service,
    region: c.region,
    credentials: {
      accessKeyId: c.identity.accessKeyId,
      secretAccessKey: c.identity.secretAccessKey,
      ...(c.identity.sessionToken ? { sessionToken: c.identity.sessionToken } : {}),
    },
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "https:",
      hostname: "example.amazonaws.com",
      path: c.path,
      query: {},
      headers: { ...c.headers },
      body: c.body,
    },
    { signingDate: c.at },
  );
  return signed.headers;
}

const ownSignature = (c: Case) => createSigV4Signer(c)(c.headers, c.body, c.at);

const word = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const headerName = fc.oneof(
  word,
  fc.constantFrom(
    "host",
    "Host",
    "content-type",
    "X-Amz-Target",
    "user-agent",
    "x-amz-user-agent",
    "authorization",
    "proxy-authorization",
    "sec-fetch-mode",
    "connection",
    "expect",
    "x-amzn-trace-id",
  ),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("  padded  value  ", "tab\tand\nnewline", "application/x-amz-json-1.1"),
);
const pathSegment = fc.oneof(
  word,
  fc.constantFrom("", ".", "..", "%2F", "a%20b", "it's", "(x)", "*", "~ok", "caf%C3%A9"),
);
const path = fc
  .array(pathSegment, { maxLength: 5 })
  .chain((segments) => fc.constantFrom(`/${segments.join("/")}`, `/${segments.join("/")}/`));
const identity = fc.record({
  accessKeyId: fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/),
  secretAccessKey: fc.string({ minLength: 1, maxLength: 40 }),
  sessionToken: fc.option(fc.string({ minLength: 1, maxLength: 60 }), { nil: undefined }),
});
const signingCase: fc.Arbitrary<Case> = fc.record({
  service: fc.constantFrom("secretsmanager", "ssm", "sts"),
  region: fc.constantFrom("us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"),
  identity,
  path,
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
  body: fc.string({ maxLength: 200, unit: "grapheme" }),
  at: fc.date({
    min: new Date("2000-01-01T00:00:00Z"),
    max: new Date("2099-12-31T23:59:59Z"),
    noInvalidDate: true,
  }),
});

describe("createSigV4Signer", () => {
  test("signs every generated request exactly as the SDK's signer does", async () => {
    await fc.assert(
      fc.asyncProperty(signingCase, async (c) => {
        expect(ownSignature(c)).toEqual(await sdkSignature(c));
      }),
      { numRuns: 2000 },
    );
  });

  test("one signer keeps signing as the SDK does across UTC days, in any order", async () => {
    await fc.assert(
      fc.asyncProperty(
        signingCase,
        fc.array(fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }), {
          minLength: 2,
          maxLength: 6,
        }),
        async (c, offsets) => {
          const sign = createSigV4Signer(c);
          for (const offset of offsets) {
            const at = new Date(c.at.getTime() + offset);
            expect(sign(c.headers, c.body, at)).toEqual(await sdkSignature({ ...c, at }));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a request of these clients: the signed headers, the scope and the session token", () => {
    const sign = createSigV4Signer({
      service: "secretsmanager",
      region: "eu-west-1",
      identity: { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
      path: "/",
    });
    const headers = sign(
      {
        host: "secretsmanager.eu-west-1.amazonaws.com",
        "user-agent": "provider",
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "secretsmanager.GetSecretValue",
      },
      '{"SecretId":"db"}',
      new Date("2026-12-04T21:30:05.123Z"),
    );
    expect(headers["x-amz-date"]).toBe("20261204T213005Z");
    expect(headers["x-amz-security-token"]).toBe("token");
    expect(headers["authorization"]).toStartWith(
      "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261204/eu-west-1/secretsmanager/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=",
    );
    expect(headers["authorization"]).toMatch(/Signature=[0-9a-f]{64}$/);
  });

  test("without a session token no token header is sent or signed", () => {
    const headers = createSigV4Signer({
      service: "sts",
      region: "us-east-1",
      identity: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      path: "/",
    })({ host: "sts.amazonaws.com" }, "Action=GetCallerIdentity", new Date());
    expect(headers).not.toHaveProperty("x-amz-security-token");
    expect(headers["authorization"]).toContain("SignedHeaders=host;x-amz-date,");
  });
});
