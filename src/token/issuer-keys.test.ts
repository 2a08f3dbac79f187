import { describe, expect, test } from "bun:test";
import {
  createFakeServiceAccountIssuer,
  type FakeServiceAccountIssuer,
} from "../../test/fakes/fake-service-account-issuer.ts";
import { Code, ProviderError } from "../errors.ts";
import type { IssuerDiscovery, IssuerKeySet, KubeApi } from "../kube/kube-api.ts";
import { createIssuerKeys, type IssuerKeysOptions } from "./issuer-keys.ts";

const noSignal = { signal: new AbortController().signal };

/** The two issuer calls of a KubeApi, answered from a fake issuer and recorded. */
function createIssuerApi(issuer: FakeServiceAccountIssuer) {
  const calls: string[] = [];
  let failure: ProviderError | undefined;
  let gate: Promise<void> | undefined;
  const answer = async <T>(name: string, read: () => T): Promise<T> => {
    calls.push(name);
    await gate;
    if (failure !== undefined) throw failure;
    return read();
  };
  const api: Pick<KubeApi, "getIssuerDiscovery" | "getIssuerKeySet"> = {
    getIssuerDiscovery: () =>
      answer("discovery", (): IssuerDiscovery => ({ issuer: issuer.issuer })),
    getIssuerKeySet: () => answer("keys", (): IssuerKeySet => issuer.keySet()),
  };
  return {
    api,
    calls,
    /** Key set reads so far (each reads the discovery document and the key set together). */
    reads: () => calls.filter((call) => call === "keys").length,
    fail(error: ProviderError | undefined) {
      failure = error;
    },
    hold() {
      const held = Promise.withResolvers<void>();
      gate = held.promise;
      return () => {
        gate = undefined;
        held.resolve();
      };
    },
  };
}

function setUp(options: IssuerKeysOptions = {}) {
  const issuer = createFakeServiceAccountIssuer("https://issuer.example");
  const api = createIssuerApi(issuer);
  let now = 0;
  const errors: unknown[] = [];
  const keys = createIssuerKeys(api.api, {
    now: () => now,
    onReadError: (error) => errors.push(error),
    ...options,
  });
  const currentKid = () => issuer.keyIds().at(-1) ?? "";
  return {
    issuer,
    api,
    keys,
    errors,
    currentKid,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("createIssuerKeys()", () => {
  test("reads the issuer and its key set once, for concurrent and later lookups alike", async () => {
    const { api, keys, currentKid } = setUp();
    const lookups = await Promise.all([
      keys.find(currentKid(), noSignal),
      keys.find(currentKid(), noSignal),
    ]);
    const again = await keys.find(currentKid(), noSignal);
    for (const lookup of [...lookups, again]) {
      expect(lookup).toMatchObject({ ok: true, issuer: "https://issuer.example" });
      if (lookup.ok) expect(lookup.key.algorithm).toBe("RS256");
    }
    expect(api.calls.sort()).toEqual(["discovery", "keys"]);
  });

  test("follows a key rotation: an unknown kid reads the key set again at once", async () => {
    const { issuer, api, keys, currentKid } = setUp();
    expect((await keys.find(currentKid(), noSignal)).ok).toBe(true);
    issuer.rotate({ algorithm: "ES256" });
    const rotated = await keys.find(currentKid(), noSignal);
    expect(rotated.ok).toBe(true);
    if (rotated.ok) expect(rotated.key.algorithm).toBe("ES256");
    expect(api.reads()).toBe(2);
  });

  test("a flood of unknown kids reads the key set at most once per interval", async () => {
    const { api, keys, currentKid, advance } = setUp({ minRereadIntervalMs: 30_000 });
    await keys.find(currentKid(), noSignal);
    for (let i = 0; i < 1000; i++) {
      expect(await keys.find(`made-up-${i}`, noSignal)).toEqual({
        ok: false,
        reason: "UnknownKey",
      });
      advance(10);
    }
    // The first made-up kid read again; the other 999 within 10 s of it did not.
    expect(api.reads()).toBe(2);
    advance(30_000);
    await keys.find("made-up-later", noSignal);
    expect(api.reads()).toBe(3);
    // Known keys are still found without any read.
    expect((await keys.find(currentKid(), noSignal)).ok).toBe(true);
    expect(api.reads()).toBe(3);
  });

  test("an unavailable key set answers KeySetUnavailable and is retried once per interval", async () => {
    const { api, keys, errors, currentKid, advance } = setUp({ minRereadIntervalMs: 30_000 });
    const forbidden = new ProviderError(Code.PermissionDenied, "forbidden");
    api.fail(forbidden);
    expect(await keys.find(currentKid(), noSignal)).toEqual({
      ok: false,
      reason: "KeySetUnavailable",
    });
    expect(errors).toEqual([forbidden]);
    advance(29_999);
    expect((await keys.find(currentKid(), noSignal)).ok).toBe(false);
    expect(api.reads()).toBe(1);
    api.fail(undefined);
    advance(1);
    expect((await keys.find(currentKid(), noSignal)).ok).toBe(true);
    expect(api.reads()).toBe(2);
  });

  test("keys older than maxAgeMs are read again; without a fresh read none are used", async () => {
    const { api, keys, currentKid, advance } = setUp({ maxAgeMs: 600_000 });
    await keys.find(currentKid(), noSignal);
    advance(599_999);
    await keys.find(currentKid(), noSignal);
    expect(api.reads()).toBe(1);
    advance(1);
    api.fail(new ProviderError(Code.Internal, "API server down"));
    // Stale keys are not trusted when they cannot be read again.
    expect(await keys.find(currentKid(), noSignal)).toEqual({
      ok: false,
      reason: "KeySetUnavailable",
    });
    expect(api.reads()).toBe(2);
  });

  test("a slow read is waited for at most maxWaitMs and goes on for later lookups", async () => {
    const { api, keys, currentKid } = setUp({ maxWaitMs: 20 });
    const release = api.hold();
    const started = performance.now();
    expect(await keys.find(currentKid(), noSignal)).toEqual({
      ok: false,
      reason: "KeySetUnavailable",
    });
    expect(performance.now() - started).toBeLessThan(2000);
    release();
    // Later lookups join the same read (each for at most 20 ms) until it has finished.
    let found = false;
    for (let i = 0; i < 100 && !found; i++) found = (await keys.find(currentKid(), noSignal)).ok;
    expect(found).toBe(true);
    expect(api.reads()).toBe(1);
  });

  test("a lookup whose signal aborts rejects with its reason; the read goes on", async () => {
    const { api, keys, currentKid } = setUp({ maxWaitMs: 10_000 });
    const release = api.hold();
    const controller = new AbortController();
    const lookup = keys.find(currentKid(), { signal: controller.signal });
    const reason = new Error("mount cancelled");
    controller.abort(reason);
    await expect(lookup).rejects.toBe(reason);
    release();
    expect((await keys.find(currentKid(), noSignal)).ok).toBe(true);
    expect(api.reads()).toBe(1);
  });

  test("skips keys it cannot use and keeps the others", async () => {
    const issuer = createFakeServiceAccountIssuer("https://issuer.example");
    const good = issuer.keySet().keys[0] ?? {};
    const { n, e } = good as { n: string; e: string };
    const odd: Record<string, unknown>[] = [
      { kid: "enc", kty: "RSA", use: "enc", n, e },
      { kid: "hs", kty: "oct", k: "c2VjcmV0" },
      { kid: "p384", kty: "EC", crv: "P-384", x: "AA", y: "AA" },
      { kid: "wrong-alg", kty: "RSA", alg: "RS512", n, e },
      { kid: "no-modulus", kty: "RSA", e },
      { kid: "junk-modulus", kty: "RSA", n: 42, e },
      { kty: "RSA", n, e },
    ];
    const keys = createIssuerKeys({
      getIssuerDiscovery: async () => ({ issuer: issuer.issuer }),
      getIssuerKeySet: async () => ({ keys: [...odd, good] }),
    });
    for (const entry of odd) {
      expect(await keys.find(String(entry["kid"] ?? ""), noSignal)).toMatchObject({ ok: false });
    }
    expect((await keys.find(String(good["kid"]), noSignal)).ok).toBe(true);
  });
});
