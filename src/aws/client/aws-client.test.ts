import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { StandardRetryStrategy } from "@smithy/core/retry";
import { Code } from "../../errors.ts";
import { toLogValue } from "../../log.ts";
import { Redacted } from "../../redacted.ts";
import { AwsError } from "../aws-errors.ts";
import { createAwsClient } from "./aws-client.ts";
import { jsonRequest } from "./json-protocol.ts";
import { queryRequest, readXmlText } from "./query-protocol.ts";

// A bare HTTP endpoint that answers from a queue of scripted answers and records each request.
interface Seen {
  path: string;
  headers: Headers;
  body: string;
}
let answers: Array<() => Response> = [];
let seen: Seen[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    seen.push({
      path: new URL(request.url).pathname,
      headers: request.headers,
      body: await request.text(),
    });
    const next = answers.shift();
    return next ? next() : Response.json({ ok: true });
  },
});
afterAll(() => server.stop(true));
beforeEach(() => {
  answers = [];
  seen = [];
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    Response.json(body, {
      status,
      headers: { "content-type": "application/x-amz-json-1.1", ...headers },
    });

const options = (settings: { maxAttempts?: number; path?: string } = {}) => ({
  parts: {
    createRetryStrategy: () => new StandardRetryStrategy(settings.maxAttempts ?? 3),
  },
  signingName: "secretsmanager",
  targetPrefix: "secretsmanager",
  region: "eu-west-1",
  endpoint: new URL(`http://127.0.0.1:${server.port}${settings.path ?? ""}`),
  credentials: new Redacted({
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret",
    sessionToken: "session",
    expiration: undefined,
  }),
  userAgent: "test-agent app/test-app",
});
const client = (settings: { maxAttempts?: number; path?: string } = {}) =>
  createAwsClient(options(settings));

const call = (target = client(), signal = AbortSignal.timeout(10_000)) =>
  target.send(
    jsonRequest("secretsmanager", "GetSecretValue", { SecretId: "db", VersionId: undefined }),
    {
      signal,
    },
  );

const failure = (work: Promise<unknown>): Promise<AwsError> =>
  work.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => {
      if (!(error instanceof AwsError)) throw error;
      return error;
    },
  );

describe("createAwsClient() with the JSON protocol", () => {
  test("posts the JSON 1.1 request, signed for the region and service, to the endpoint's path with a slash", async () => {
    answers.push(json(200, { Name: "db", SecretString: "v" }));
    expect(await call(client({ path: "/region/eu-west-1" }))).toEqual({
      Name: "db",
      SecretString: "v",
    });
    const [request] = seen;
    expect(request?.path).toBe("/region/eu-west-1/");
    expect(request?.body).toBe('{"SecretId":"db"}');
    expect(request?.headers.get("x-amz-target")).toBe("secretsmanager.GetSecretValue");
    expect(request?.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(request?.headers.get("authorization")).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers.get("x-amz-security-token")).toBe("session");
    expect(request?.headers.get("user-agent")).toBe("test-agent app/test-app");
  });

  test("retries 5xx and throttling with the SDK's strategy, then succeeds", async () => {
    answers.push(
      json(503, { __type: "ServiceUnavailable", message: "later" }),
      json(400, { __type: "ThrottlingException", message: "slow down" }),
      json(200, { Name: "db" }),
    );
    expect(await call()).toEqual({ Name: "db" });
    expect(seen).toHaveLength(3);
  });

  test("a client error is not retried and is classified by its code", async () => {
    answers.push(
      json(400, {
        __type: "com.amazonaws.secretsmanager#ResourceNotFoundException",
        message: "no such secret",
      }),
    );
    const error = await failure(call());
    expect(error).toMatchObject({
      code: Code.NotFound,
      awsCode: "ResourceNotFoundException",
      awsMessage: "no such secret",
      isServerSide: false,
    });
    expect(seen).toHaveLength(1);
  });

  test("an error answer keeps its status and request id for the log", async () => {
    answers.push(
      json(
        400,
        { __type: "AccessDeniedException", message: "no" },
        { "x-amzn-RequestId": "req-1" },
      ),
    );
    const error = await failure(call());
    expect(error).toMatchObject({ httpStatusCode: 400, requestId: "req-1" });
    expect(toLogValue(error)).toMatchObject({ httpStatusCode: 400, requestId: "req-1" });
  });

  test("a signature refused for its time is signed again with AWS's clock and succeeds", async () => {
    const awsNow = Date.now() + 3_600_000;
    const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const skewed = () =>
      Response.json(
        { __type: "InvalidSignatureException", message: "Signature expired" },
        { status: 400, headers: { date: new Date(awsNow).toUTCString() } },
      );
    answers.push(skewed, json(200, { Name: "db" }));
    expect(await call()).toEqual({ Name: "db" });
    expect(seen).toHaveLength(2);
    const signedAt = (i: number) => seen[i]?.headers.get("x-amz-date") ?? "";
    expect(signedAt(0).slice(0, 11)).toBe(amzDate(Date.now()).slice(0, 11));
    expect(signedAt(1).slice(0, 11)).toBe(amzDate(awsNow).slice(0, 11));
  });

  test("the x-amzn-errortype header names the error before the body does", async () => {
    answers.push(
      json(
        400,
        { __type: "Other", Message: "denied" },
        { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/" },
      ),
    );
    expect(await failure(call())).toMatchObject({
      code: Code.PermissionDenied,
      awsCode: "AccessDeniedException",
      awsMessage: "denied",
    });
  });

  test("after the last attempt the last failure stands, server-side", async () => {
    answers.push(
      json(500, { __type: "InternalServiceError", message: "one" }),
      json(500, { __type: "InternalServiceError", message: "two" }),
    );
    expect(await failure(call(client({ maxAttempts: 2 })))).toMatchObject({
      code: Code.Internal,
      awsMessage: "two",
      isServerSide: true,
    });
    expect(seen).toHaveLength(2);
  });

  test("an HTML page from a proxy is named by its status, never quoted", async () => {
    const page = () =>
      new Response("<html>502 Bad Gateway s3cr3t</html>", {
        status: 502,
        headers: { "content-type": "text/html" },
      });
    answers.push(page, page);
    const error = await failure(call(client({ maxAttempts: 2 })));
    expect(error).toMatchObject({ awsCode: "HTTP502", isServerSide: true });
    expect(error.message).not.toContain("s3cr3t");
  });

  test("a 200 that is not JSON is a server-side fault that never quotes the body", async () => {
    answers.push(() => new Response('{"SecretString": s3cr3t', { status: 200 }));
    const error = await failure(call());
    expect(error).toMatchObject({ awsCode: "InvalidResponse", isServerSide: true });
    expect(error.message).toContain("(HTTP 200) could not be parsed");
    expect(error.message).not.toContain("s3cr3t");
    expect(seen).toHaveLength(1);
  });

  test("no answer at all (connection refused) is retried, then a server-side failure", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);
    const refused = createAwsClient({
      ...options({ maxAttempts: 2 }),
      endpoint: new URL(`http://127.0.0.1:${port}`),
    });
    const error = await failure(
      refused.send(jsonRequest("AmazonSSM", "GetParameters", { Names: ["/p"] }), {
        signal: AbortSignal.timeout(10_000),
      }),
    );
    expect(error).toMatchObject({ code: Code.Internal, isServerSide: true });
  });

  test("an abort while the strategy waits to retry rejects with the signal's reason at once", async () => {
    answers.push(json(500, { __type: "InternalServiceError", message: "x" }));
    const stalled = createAwsClient({
      ...options(),
      parts: {
        // A strategy that never grants the retry: only the abort can end the call.
        createRetryStrategy: () => ({
          acquireInitialRetryToken: async () => ({
            getRetryCount: () => 0,
            getRetryDelay: () => 0,
          }),
          refreshRetryTokenForRetry: () => new Promise(() => {}),
          recordSuccess: () => {},
        }),
      },
    });
    const controller = new AbortController();
    const reason = new Error("mount deadline");
    const pending = call(stalled, controller.signal);
    while (seen.length === 0) await Bun.sleep(1);
    await Bun.sleep(20);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });
});

const xml = (status: number, body: string) => () =>
  new Response(body, { status, headers: { "content-type": "text/xml" } });

describe("createAwsClient() with the Query protocol", () => {
  const sts = (signed: boolean) =>
    createAwsClient({
      ...options(),
      signingName: "sts",
      credentials: signed ? options().credentials : undefined,
    });
  const assume = (target: ReturnType<typeof sts>) =>
    target.send(
      queryRequest(
        "AssumeRoleWithWebIdentity",
        { RoleArn: "arn:aws:iam::1:role/r", WebIdentityToken: "t=k&n", ExternalId: undefined },
        (answer) => readXmlText(answer, "AccessKeyId"),
      ),
      { signal: AbortSignal.timeout(10_000) },
    );

  test("posts the form with action and version, unsigned without credentials", async () => {
    answers.push(
      xml(
        200,
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA&amp;1</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
      ),
    );
    expect(await assume(sts(false))).toBe("ASIA&1");
    const [request] = seen;
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: "arn:aws:iam::1:role/r",
      WebIdentityToken: "t=k&n",
    });
    expect(request?.headers.get("authorization")).toBeNull();
    expect(request?.headers.get("content-type")).toStartWith("application/x-www-form-urlencoded");
  });

  test("signs for sts with the client's credentials", async () => {
    answers.push(xml(200, "<X><AccessKeyId>A</AccessKeyId></X>"));
    await assume(sts(true));
    expect(seen[0]?.headers.get("authorization")).toContain("/eu-west-1/sts/aws4_request");
  });

  test("an error answer is classified by its <Code>; IDPCommunicationError is retried", async () => {
    const idp = xml(
      400,
      "<ErrorResponse><Error><Type>Sender</Type><Code>IDPCommunicationError</Code><Message>idp down</Message></Error><RequestId>sts-1</RequestId></ErrorResponse>",
    );
    answers.push(idp, idp, idp);
    expect(await failure(assume(sts(false)))).toMatchObject({
      awsCode: "IDPCommunicationError",
      awsMessage: "idp down",
      isServerSide: true,
      requestId: "sts-1",
    });
    expect(seen).toHaveLength(3);
  });

  test("a rejected token is not retried", async () => {
    answers.push(
      xml(
        400,
        "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad &lt;token&gt;</Message></Error></ErrorResponse>",
      ),
    );
    expect(await failure(assume(sts(false)))).toMatchObject({
      code: Code.Unauthenticated,
      awsMessage: "bad <token>",
    });
    expect(seen).toHaveLength(1);
  });

  test("a success without the expected element is an unparseable answer", async () => {
    answers.push(xml(200, "<html>not sts</html>"));
    expect(await failure(assume(sts(false)))).toMatchObject({ awsCode: "InvalidResponse" });
  });
});

describe("readXmlText()", () => {
  test("decodes the predefined and numeric entities, and leaves odd ones as they are", () => {
    expect(readXmlText("<a>&lt;&#65;&#x42;&quot;&apos;&gt;&amp;&bogus;&#x110000;</a>", "a")).toBe(
      "<AB\"'>&&bogus;&#x110000;",
    );
  });

  test("gives the inner XML of an element with children, and undefined when absent or open", () => {
    expect(readXmlText("<r><a><b>1</b></a></r>", "a")).toBe("<b>1</b>");
    expect(readXmlText("<r></r>", "a")).toBeUndefined();
    expect(readXmlText("<r><a>1</r>", "a")).toBeUndefined();
  });
});
