import { describe, expect, test } from "bun:test";
import type { AwsCredentials } from "../aws/aws-credentials.ts";
import { Redacted } from "../redacted.ts";
import { createCredentialCache, credentialRefreshMarginMs } from "./credential-cache.ts";

const options = { signal: new AbortController().signal };
const credentials = (id: string, expiration: number | undefined) =>
  new Redacted<AwsCredentials>({
    accessKeyId: id,
    secretAccessKey: "secret",
    sessionToken: "token",
    expiration: expiration === undefined ? undefined : new Date(expiration),
  });

describe("createCredentialCache()", () => {
  test("reuses credentials until 5 minutes before they expire", async () => {
    let now = 0;
    let loads = 0;
    const cache = createCredentialCache({ now: () => now });
    const load = async () => credentials(`AKID${++loads}`, 3_600_000);
    expect((await cache.get("a", options, load)).reveal().accessKeyId).toBe("AKID1");
    now = 3_600_000 - credentialRefreshMarginMs - 1;
    expect((await cache.get("a", options, load)).reveal().accessKeyId).toBe("AKID1");
    now = 3_600_000 - credentialRefreshMarginMs;
    expect((await cache.get("a", options, load)).reveal().accessKeyId).toBe("AKID2");
  });

  test("never hands one key's credentials to another key", async () => {
    const cache = createCredentialCache();
    await cache.get("irsa/ns/a", options, async () => credentials("A", Date.now() + 3_600_000));
    const other = await cache.get("irsa/ns/b", options, async () =>
      credentials("B", Date.now() + 3_600_000),
    );
    expect(other.reveal().accessKeyId).toBe("B");
  });

  test("keeps nothing without an expiration, and nothing after a failed load", async () => {
    let loads = 0;
    const cache = createCredentialCache();
    await cache.get("a", options, async () => credentials(`${++loads}`, undefined));
    await cache.get("a", options, async () => credentials(`${++loads}`, undefined));
    expect(loads).toBe(2);
    await expect(
      cache.get("b", options, () => Promise.reject(new Error("sts down"))),
    ).rejects.toThrow("sts down");
    expect(cache.size).toBe(0);
  });

  test("concurrent callers share one load", async () => {
    let loads = 0;
    const cache = createCredentialCache();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        cache.get("a", options, async () => {
          loads++;
          await Bun.sleep(5);
          return credentials("A", Date.now() + 3_600_000);
        }),
      ),
    );
    expect(loads).toBe(1);
    expect(new Set(results.map((r) => r.reveal().accessKeyId))).toEqual(new Set(["A"]));
  });
});
