import { describe, expect, test } from "bun:test";
import { parseArn } from "./parse-arn.ts";

describe("parseArn()", () => {
  test("splits a Secrets Manager ARN and keeps the colon inside the resource", () => {
    expect(
      parseArn("arn:aws:secretsmanager:us-east-1:111122223333:secret:db/creds-AbCdEf"),
    ).toEqual({
      partition: "aws",
      service: "secretsmanager",
      region: "us-east-1",
      accountId: "111122223333",
      resource: "secret:db/creds-AbCdEf",
    });
  });

  test("splits an SSM parameter ARN of another partition", () => {
    expect(parseArn("arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/app/flag")).toEqual({
      partition: "aws-us-gov",
      service: "ssm",
      region: "us-gov-west-1",
      accountId: "111122223333",
      resource: "parameter/app/flag",
    });
  });

  test("accepts an empty region and account, as global services have", () => {
    expect(parseArn("arn:aws:iam::111122223333:role/x")?.region).toBe("");
    expect(parseArn("arn:aws:s3:::bucket")?.accountId).toBe("");
  });

  test.each([
    ["a plain name", "db/creds"],
    ["too few parts", "arn:aws:secretsmanager:us-east-1:111122223333"],
    ["another prefix", "urn:aws:secretsmanager:us-east-1:111122223333:secret:x"],
    ["an empty partition", "arn::secretsmanager:us-east-1:111122223333:secret:x"],
    ["an empty service", "arn:aws::us-east-1:111122223333:secret:x"],
    ["an empty resource", "arn:aws:secretsmanager:us-east-1:111122223333:"],
    ["an empty string", ""],
  ])("returns undefined for %s", (_, text) => {
    expect(parseArn(text)).toBeUndefined();
  });
});
