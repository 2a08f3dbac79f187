import { describe, expect, test } from "bun:test";
import type { SsmApi, SsmParameterValue } from "../aws/ssm.ts";
import { Code } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { createSsmBatcher } from "./ssm-batcher.ts";

function recordingSsm(known: Record<string, string>): SsmApi & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async getParameters(names) {
      calls.push(names);
      const parameters: SsmParameterValue[] = [];
      const invalidParameters: string[] = [];
      for (const requested of names) {
        const [name = "", selector] = requested.split(/(?=:)/);
        const value = known[name];
        if (value === undefined) invalidParameters.push(requested);
        else {
          parameters.push({
            name,
            selector,
            arn: `arn:aws:ssm:us-east-1:111122223333:parameter${name}`,
            version: "1",
            bytes: new Redacted(new TextEncoder().encode(value)),
          });
        }
      }
      return { parameters, invalidParameters };
    },
  };
}

describe("createSsmBatcher()", () => {
  test("asks for at most 10 names per call and resolves each request", async () => {
    const names = Array.from({ length: 23 }, (_, i) => `/p/${i}`);
    const ssm = recordingSsm(Object.fromEntries(names.map((n) => [n, `value-${n}`])));
    const get = createSsmBatcher(ssm, { signal: new AbortController().signal });
    const values = await Promise.all(names.map((n) => get(n)));
    expect(ssm.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(values.map((v) => new TextDecoder().decode(v.bytes.reveal()))).toEqual(
      names.map((n) => `value-${n}`),
    );
  });

  test("shares one request for identical selectors", async () => {
    const ssm = recordingSsm({ "/a": "x" });
    const get = createSsmBatcher(ssm, { signal: new AbortController().signal });
    await Promise.all([get("/a:1"), get("/a:1")]);
    expect(ssm.calls).toEqual([["/a:1"]]);
  });

  test("rejects only the names AWS lists as invalid", async () => {
    const ssm = recordingSsm({ "/a": "x" });
    const get = createSsmBatcher(ssm, { signal: new AbortController().signal });
    const [a, b] = await Promise.allSettled([get("/a"), get("/b:3")]);
    expect(a.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    if (b.status === "rejected") {
      expect(b.reason).toMatchObject({ code: Code.NotFound, awsCode: "ParameterNotFound" });
      expect((b.reason as Error).message).toContain('"/b:3" does not exist');
    }
  });

  test("a failed call rejects every name of its batch", async () => {
    const ssm: SsmApi = { getParameters: () => Promise.reject(new Error("boom")) };
    const get = createSsmBatcher(ssm, { signal: new AbortController().signal });
    const results = await Promise.allSettled([get("/a"), get("/b")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
