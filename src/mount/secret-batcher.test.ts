import { describe, expect, test } from "bun:test";
import { type AwsError, toAwsError, toAwsErrorFromCode } from "../aws/aws-errors.ts";
import type { SecretsManagerApi, SecretValue } from "../aws/secrets-manager.ts";
import { Code } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { createSecretBatcher } from "./secret-batcher.ts";

const signal = new AbortController().signal;
const secret = (name: string): SecretValue => ({
  arn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`,
  name,
  versionId: `v-${name}`,
  bytes: new Redacted(new TextEncoder().encode(`value-${name}`)),
});

/** Name of a secret id: a name, a full ARN or a partial ARN (without the 6-character suffix). */
const nameOf = (id: string) =>
  id.startsWith("arn:") ? (id.split(":secret:")[1] ?? "").replace(/-[A-Za-z]{6}$/, "") : id;

/** A recording port fake; `batchError` makes every batch call fail with it. */
function fakeSecretsManager(known: string[], batchError?: AwsError) {
  const calls: string[] = [];
  const api: SecretsManagerApi = {
    async getSecretValue(input) {
      calls.push(`get ${input.secretId}`);
      if (!known.includes(input.secretId))
        throw toAwsErrorFromCode("ResourceNotFoundException", "gone");
      return secret(input.secretId);
    },
    async batchGetSecretValue(ids) {
      calls.push(`batch ${ids.length}`);
      if (batchError) throw batchError;
      return {
        values: ids.filter((id) => known.includes(nameOf(id))).map((id) => secret(nameOf(id))),
        errors: ids
          .filter((id) => !known.includes(nameOf(id)))
          .map((id) => ({
            secretId: id,
            errorCode: "ResourceNotFoundException",
            message: "not found",
          })),
      };
    },
  };
  return { api, calls };
}

describe("createSecretBatcher()", () => {
  test("asks for at most 20 ids per call", async () => {
    const names = Array.from({ length: 45 }, (_, i) => `s${i}`);
    const { api, calls } = fakeSecretsManager(names);
    const get = createSecretBatcher(api, { signal });
    const values = await Promise.all(names.map((n) => get(n)));
    expect(calls).toEqual(["batch 20", "batch 20", "batch 5"]);
    expect(values.map((v) => v.name)).toEqual(names);
  });

  test("matches values requested by ARN, with or without the random suffix", async () => {
    const { api } = fakeSecretsManager(["db"]);
    const get = createSecretBatcher(api, { signal });
    const arn = secret("db").arn;
    const [full, partial] = await Promise.all([get(arn), get(arn.slice(0, -7))]);
    expect(full.name).toBe("db");
    expect(partial.name).toBe("db");
  });

  test("maps per-secret errors to their own ids", async () => {
    const { api } = fakeSecretsManager(["here"]);
    const get = createSecretBatcher(api, { signal });
    const [here, gone] = await Promise.allSettled([get("here"), get("gone")]);
    expect(here.status).toBe("fulfilled");
    expect(gone.status === "rejected" && gone.reason).toMatchObject({
      code: Code.NotFound,
      awsCode: "ResourceNotFoundException",
      message: "ResourceNotFoundException: not found",
    });
  });

  test.each([
    ["AccessDeniedException", 400],
    ["ThrottlingException", 400],
  ])("falls back to GetSecretValue when the batch call fails with %s", async (name, status) => {
    const error = toAwsError(
      Object.assign(new Error("no"), {
        name,
        $fault: "client",
        $metadata: { httpStatusCode: status },
      }),
    );
    const { api, calls } = fakeSecretsManager(["a", "b"], error);
    const get = createSecretBatcher(api, { signal });
    const values = await Promise.all([get("a"), get("b")]);
    expect(values.map((v) => v.name)).toEqual(["a", "b"]);
    expect(calls).toEqual(["batch 2", "get a", "get b"]);
  });

  test("other batch failures reject every id of the batch", async () => {
    const error = toAwsError(
      Object.assign(new Error("boom"), { name: "InternalServiceError", $fault: "server" }),
    );
    const { api, calls } = fakeSecretsManager(["a"], error);
    const get = createSecretBatcher(api, { signal });
    await expect(get("a")).rejects.toThrow("boom");
    expect(calls).toEqual(["batch 1"]);
  });
});
