import { describe, expect, test } from "bun:test";
import {
  createFakeServiceAccountIssuer,
  type MintOptions,
} from "../../test/fakes/fake-service-account-issuer.ts";
import { Redacted } from "../redacted.ts";
import { createIssuerKeys } from "./issuer-keys.ts";
import { createTokenProver, type TokenProverOptions } from "./token-prover.ts";
import type { FindKey } from "./verify-jwt.ts";

const noSignal = { signal: new AbortController().signal };
const issuer = createFakeServiceAccountIssuer("https://issuer.example");
const app: MintOptions = {
  namespace: "team",
  serviceAccount: "app",
  audience: "sts.amazonaws.com",
};
const expected = { audience: "sts.amazonaws.com", subject: "system:serviceaccount:team:app" };

function setUp(options: TokenProverOptions = {}) {
  const keys = createIssuerKeys({
    getIssuerDiscovery: async () => ({ issuer: issuer.issuer }),
    getIssuerKeySet: async () => issuer.keySet(),
  });
  let lookups = 0;
  const findKey: FindKey = (kid, callOptions) => {
    lookups += 1;
    return keys.find(kid, callOptions);
  };
  let now = Date.now();
  const events: boolean[] = [];
  const prover = createTokenProver(findKey, {
    now: () => now,
    onLookup: (hit) => events.push(hit),
    ...options,
  });
  const prove = (token: string, expectation = expected) =>
    prover.prove(new Redacted(token), expectation, noSignal);
  return {
    prove,
    events,
    lookups: () => lookups,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("createTokenProver()", () => {
  test("proves a token of the pod's ServiceAccount, then remembers it: no second verification", async () => {
    const { prove, events, lookups } = setUp();
    const token = issuer.mint(app);
    expect(await prove(token)).toEqual({ ok: true });
    expect(await prove(token)).toEqual({ ok: true });
    expect(lookups()).toBe(1);
    expect(events).toEqual([false, true]);
  });

  test("a token of another ServiceAccount is WrongSubject, even once remembered", async () => {
    const { prove } = setUp();
    const other = issuer.mint({ ...app, serviceAccount: "other" });
    expect(await prove(other)).toEqual({ ok: false, reason: "WrongSubject" });
    expect(
      await prove(other, { ...expected, subject: "system:serviceaccount:team:other" }),
    ).toEqual({
      ok: true,
    });
    // Remembered now, yet still judged against each request.
    expect(await prove(other)).toEqual({ ok: false, reason: "WrongSubject" });
  });

  test("a token for another audience is WrongAudience", async () => {
    const { prove } = setUp();
    const token = issuer.mint({ ...app, audience: "pods.eks.amazonaws.com" });
    expect(await prove(token)).toEqual({ ok: false, reason: "WrongAudience" });
    expect(await prove(token, { ...expected, audience: "pods.eks.amazonaws.com" })).toEqual({
      ok: true,
    });
  });

  test("expiry and not-before allow the clock skew and no more", async () => {
    const { prove } = setUp({ clockSkewMs: 60_000 });
    expect(await prove(issuer.mint({ ...app, expiresInSeconds: -50 }))).toEqual({ ok: true });
    expect(await prove(issuer.mint({ ...app, expiresInSeconds: -70 }))).toEqual({
      ok: false,
      reason: "Expired",
    });
    expect(await prove(issuer.mint({ ...app, notBeforeInSeconds: 50 }))).toEqual({ ok: true });
    expect(await prove(issuer.mint({ ...app, notBeforeInSeconds: 70 }))).toEqual({
      ok: false,
      reason: "NotYetValid",
    });
  });

  test("a remembered token stops proving when it expires", async () => {
    const { prove, advance } = setUp({ clockSkewMs: 0 });
    const token = issuer.mint({ ...app, expiresInSeconds: 120 });
    expect(await prove(token)).toEqual({ ok: true });
    advance(121_000);
    expect(await prove(token)).toEqual({ ok: false, reason: "Expired" });
  });

  test("verification is remembered at most maxRememberMs", async () => {
    const { prove, advance, lookups } = setUp({ maxRememberMs: 1000 });
    const token = issuer.mint(app);
    await prove(token);
    advance(999);
    await prove(token);
    expect(lookups()).toBe(1);
    advance(1);
    expect(await prove(token)).toEqual({ ok: true });
    expect(lookups()).toBe(2);
  });

  test("failures are not remembered, and garbage costs no key lookup", async () => {
    const { prove, lookups } = setUp();
    expect(await prove("garbage")).toEqual({ ok: false, reason: "Malformed" });
    expect(await prove("garbage")).toEqual({ ok: false, reason: "Malformed" });
    const forged = issuer.mint({ ...app, key: "unpublished", kid: issuer.keyIds()[0] ?? "" });
    expect(await prove(forged)).toEqual({ ok: false, reason: "BadSignature" });
    expect(await prove(forged)).toEqual({ ok: false, reason: "BadSignature" });
    expect(lookups()).toBe(2);
  });

  test("keeps at most maxTokens verified tokens", async () => {
    const { prove, lookups } = setUp({ maxTokens: 2 });
    const tokens = [issuer.mint(app), issuer.mint(app), issuer.mint(app)];
    for (const token of tokens) await prove(token);
    // The first was evicted by the third; the last two are still remembered.
    await prove(tokens[2] ?? "");
    await prove(tokens[1] ?? "");
    expect(lookups()).toBe(3);
    await prove(tokens[0] ?? "");
    expect(lookups()).toBe(4);
  });
});
