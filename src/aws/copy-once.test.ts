import { describe, expect, test } from "bun:test";
import { loadConfig } from "../config.ts";
import { noopMetrics } from "../metrics.ts";
import { Redacted } from "../redacted.ts";
import { createAwsApis } from "./aws-apis.ts";
import { createCopyOnce } from "./copy-once.ts";
import { instrumentAwsApis } from "./instrument-aws-apis.ts";
import { limitAwsApis } from "./limit-aws-apis.ts";

const identity = (accessKeyId: string) =>
  new Redacted({ accessKeyId, secretAccessKey: "s", sessionToken: "t", expiration: undefined });

describe("createCopyOnce()", () => {
  test("builds one copy per original and gives it back after", () => {
    const copyOf = createCopyOnce();
    let built = 0;
    const make = (original: { n: number }) => () => {
      built += 1;
      return { n: original.n * 10 };
    };
    const a = { n: 1 };
    const b = { n: 2 };
    const copyOfA = copyOf(a, make(a));
    expect(copyOf(a, make(a))).toBe(copyOfA);
    expect(copyOf(b, make(b))).toEqual({ n: 20 });
    expect(built).toBe(2);
  });

  test("the provider's wrapped AWS ports: one per identity and region, never another's", () => {
    const config = loadConfig({}, {});
    const aws = limitAwsApis(instrumentAwsApis(createAwsApis(config.aws), noopMetrics), 8);
    const alice = identity("AKIAALICE");
    const bob = identity("AKIABOB");
    const aliceEast = aws.forRegion("us-east-1", alice);
    expect(aws.forRegion("us-east-1", alice)).toBe(aliceEast);
    expect(aws.forRegion("us-east-1", bob)).not.toBe(aliceEast);
    expect(aws.forRegion("us-east-1", bob).secretsManager).not.toBe(aliceEast.secretsManager);
    expect(aws.forRegion("eu-west-1", alice)).not.toBe(aliceEast);
    expect(aws.sts("us-east-1", alice)).toBe(aws.sts("us-east-1", alice));
    expect(aws.sts("us-east-1", bob)).not.toBe(aws.sts("us-east-1", alice));
    expect(aws.sts("us-east-1")).not.toBe(aws.sts("us-east-1", alice));
  });
});
