import { afterAll, describe, expect, test } from "bun:test";
import { createFakeAws } from "../fakes/fake-aws.ts";

/** The broken answers of `FakeAws.breakNext`, as a raw HTTP client sees them. */
const aws = createFakeAws();
afterAll(() => aws.close());

/** An unsigned Secrets Manager request: routed, recorded and fault-matched before any signature check. */
const getSecretValue = () =>
  fetch(aws.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "secretsmanager.GetSecretValue",
    },
    body: JSON.stringify({ SecretId: "x" }),
  });
/** An unsigned STS call at `region`'s endpoint. */
const assumeRole = (region: string) =>
  fetch(aws.endpointFor(region), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "Action=AssumeRoleWithWebIdentity&Version=2011-06-15",
  });

describe("FakeAws.breakNext()", () => {
  test("close resets the connection before any answer", async () => {
    aws.breakNext("GetSecretValue", "close");
    await expect(getSecretValue()).rejects.toThrow();
    // Only once: the next request gets the normal (here: unauthenticated) answer.
    expect((await getSecretValue()).status).toBe(400);
  });

  test("truncated sends a 200 and part of the body, then resets", async () => {
    aws.breakNext("GetSecretValue", "truncated");
    const response = await getSecretValue();
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  test("malformed-json answers a complete 200 whose body is not JSON", async () => {
    aws.breakNext("GetSecretValue", "malformed-json");
    const response = await getSecretValue();
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(() => JSON.parse(body)).toThrow();
  });

  test("html answers a load balancer's 502 page", async () => {
    aws.breakNext("AssumeRoleWithWebIdentity", "html");
    const response = await assumeRole("us-east-1");
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("text/html");
    expect(await response.text()).toContain("Bad Gateway");
  });

  test("matches region and operation, counts times, and is recorded", async () => {
    aws.resetCalls();
    aws.breakNext("AssumeRoleWithWebIdentity", "malformed-json", { region: "eu-west-1", times: 2 });
    expect((await assumeRole("us-east-1")).status).not.toBe(200);
    expect((await assumeRole("eu-west-1")).status).toBe(200);
    expect((await assumeRole("eu-west-1")).status).toBe(200);
    expect((await assumeRole("eu-west-1")).status).not.toBe(200);
    expect(
      aws.calls.map((c) => (c.errorCode?.startsWith("broken:") ? c.errorCode : "normal")),
    ).toEqual(["normal", "broken:malformed-json", "broken:malformed-json", "normal"]);
  });

  test("resetFaults() forgets queued broken answers", async () => {
    aws.breakNext("GetSecretValue", "close", { times: 5 });
    aws.resetFaults();
    expect((await getSecretValue()).status).toBe(400);
  });
});
