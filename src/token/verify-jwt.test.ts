import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  createFakeServiceAccountIssuer,
  type MintOptions,
} from "../../test/fakes/fake-service-account-issuer.ts";
import { createIssuerKeys } from "./issuer-keys.ts";
import { type FindKey, maxTokenLength, verifyJwt } from "./verify-jwt.ts";

const noSignal = { signal: new AbortController().signal };
const issuer = createFakeServiceAccountIssuer("https://oidc.eks.eu-west-1.amazonaws.com/id/TEST");
const issuerKeys = createIssuerKeys({
  getIssuerDiscovery: async () => ({ issuer: issuer.issuer }),
  getIssuerKeySet: async () => issuer.keySet(),
});
const lookups: string[] = [];
const findKey: FindKey = (kid, options) => {
  lookups.push(kid);
  return issuerKeys.find(kid, options);
};
const app: MintOptions = {
  namespace: "team",
  serviceAccount: "app",
  audience: "sts.amazonaws.com",
};

/** A token whose parts are these JSON values (and signature text), as an attacker writes one. */
function forge(header: unknown, payload: unknown, signature = "c2ln"): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(header)}.${part(payload)}.${signature}`;
}

/** Verifies `token` and also says whether a key was looked up for it. */
async function verify(token: string) {
  const before = lookups.length;
  const result = await verifyJwt(token, findKey, noSignal);
  return { result, lookedUp: lookups.length > before };
}

describe("verifyJwt()", () => {
  test("verifies an RS256 service account token and reads its claims", async () => {
    const { result } = await verify(issuer.mint({ ...app, audience: ["sts.amazonaws.com", "x"] }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims.subject).toBe("system:serviceaccount:team:app");
    expect(result.claims.audiences).toEqual(["sts.amazonaws.com", "x"]);
    expect(result.claims.expiresAtMs).toBeGreaterThan(Date.now() + 3500_000);
    expect(result.claims.notBeforeMs).toBeLessThanOrEqual(Date.now());
  });

  test("verifies an ES256 token once the issuer signs with a P-256 key", async () => {
    const es = createFakeServiceAccountIssuer("https://es.example");
    es.rotate({ algorithm: "ES256", dropPrevious: true });
    const keys = createIssuerKeys({
      getIssuerDiscovery: async () => ({ issuer: es.issuer }),
      getIssuerKeySet: async () => es.keySet(),
    });
    const result = await verifyJwt(es.mint(app), keys.find, noSignal);
    expect(result).toMatchObject({
      ok: true,
      claims: { subject: "system:serviceaccount:team:app" },
    });
  });

  test("reads a single-string aud as a list", async () => {
    const { result } = await verify(issuer.mint({ ...app, claims: { aud: "sts.amazonaws.com" } }));
    expect(result).toMatchObject({ ok: true, claims: { audiences: ["sts.amazonaws.com"] } });
  });

  test.each([
    ["none", { alg: "none", kid: "k" }],
    ["HS256 (a key set's public key as an HMAC secret)", { alg: "HS256", kid: "k" }],
    ["RS512", { alg: "RS512", kid: "k" }],
    ["a crit header", { alg: "RS256", kid: "k", crit: ["exp"] }],
  ])("rejects %s as UnsupportedAlgorithm without looking up a key", async (_name, header) => {
    const { result, lookedUp } = await verify(
      forge(header, { iss: issuer.issuer, sub: "s", aud: ["a"], exp: 2e9 }),
    );
    expect(result).toEqual({ ok: false, reason: "UnsupportedAlgorithm" });
    expect(lookedUp).toBe(false);
  });

  test("an alg: none token with an empty signature is rejected too", async () => {
    const token = forge({ alg: "none" }, { sub: "system:serviceaccount:team:app" }, "");
    expect((await verify(token)).result).toMatchObject({ ok: false });
  });

  const claims = { iss: "https://i", sub: "s", aud: ["a"], exp: 2e9 };
  test.each([
    ["an empty string", ""],
    ["two parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzIn0"],
    ["four parts", `${forge({ alg: "RS256", kid: "k" }, claims)}.x`],
    ["padding", `${forge({ alg: "RS256", kid: "k" }, claims)}=`],
    ["a character outside base64url", forge({ alg: "RS256", kid: "k" }, claims).replace(".", "+.")],
    ["a header that is not JSON", `bm90IGpzb24.${forge({}, claims).split(".")[1]}.c2ln`],
    ["a header that is a list", forge(["RS256"], claims)],
    ["no kid", forge({ alg: "RS256" }, claims)],
    ["a kid that is not a string", forge({ alg: "RS256", kid: 7 }, claims)],
    ["a kid of 300 characters", forge({ alg: "RS256", kid: "k".repeat(300) }, claims)],
    ["no exp", forge({ alg: "RS256", kid: "k" }, { ...claims, exp: undefined })],
    ["exp as text", forge({ alg: "RS256", kid: "k" }, { ...claims, exp: "2030" })],
    ["nbf as text", forge({ alg: "RS256", kid: "k" }, { ...claims, nbf: "now" })],
    ["no sub", forge({ alg: "RS256", kid: "k" }, { ...claims, sub: undefined })],
    ["an empty aud list", forge({ alg: "RS256", kid: "k" }, { ...claims, aud: [] })],
    ["an aud of numbers", forge({ alg: "RS256", kid: "k" }, { ...claims, aud: [1] })],
    ["no iss", forge({ alg: "RS256", kid: "k" }, { ...claims, iss: undefined })],
    [
      "a payload nested 10,000 levels deep",
      `${forge({ alg: "RS256", kid: "k" }, {}).split(".")[0]}.${Buffer.from(`${"[".repeat(10_000)}${"]".repeat(10_000)}`).toString("base64url")}.c2ln`,
    ],
  ])("rejects %s as Malformed without looking up a key", async (_name, token) => {
    const { result, lookedUp } = await verify(token);
    expect(result).toEqual({ ok: false, reason: "Malformed" });
    expect(lookedUp).toBe(false);
  });

  test("looks at nothing longer than maxTokenLength", async () => {
    const long = issuer.mint({ ...app, podName: "p".repeat(maxTokenLength) });
    expect(long.length).toBeGreaterThan(maxTokenLength);
    const { result, lookedUp } = await verify(long);
    expect(result).toEqual({ ok: false, reason: "Malformed" });
    expect(lookedUp).toBe(false);
  });

  test("a published kid over a signature by another key is BadSignature", async () => {
    const kid = issuer.keyIds().at(-1) ?? "";
    const { result } = await verify(issuer.mint({ ...app, key: "unpublished", kid }));
    expect(result).toEqual({ ok: false, reason: "BadSignature" });
  });

  test("a key the issuer never published is UnknownKey", async () => {
    const { result } = await verify(issuer.mint({ ...app, key: "unpublished" }));
    expect(result).toEqual({ ok: false, reason: "UnknownKey" });
  });

  test("a changed claim breaks the signature", async () => {
    const [header, payload, signature] = issuer.mint(app).split(".");
    const claimsOf = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const tampered = Buffer.from(
      JSON.stringify({ ...claimsOf, sub: "system:serviceaccount:kube-system:admin" }),
    ).toString("base64url");
    const { result } = await verify(`${header}.${tampered}.${signature}`);
    expect(result).toEqual({ ok: false, reason: "BadSignature" });
  });

  test("an ES256 header on an RSA key is BadSignature: the key decides the algorithm", async () => {
    const [, payload, signature] = issuer.mint(app).split(".");
    const kid = issuer.keyIds().at(-1);
    const header = Buffer.from(JSON.stringify({ alg: "ES256", kid })).toString("base64url");
    const { result } = await verify(`${header}.${payload}.${signature}`);
    expect(result).toEqual({ ok: false, reason: "BadSignature" });
  });

  test("signed by the issuer's key but naming another issuer is WrongIssuer", async () => {
    const { result } = await verify(issuer.mint({ ...app, issuer: "https://other.example" }));
    expect(result).toEqual({ ok: false, reason: "WrongIssuer" });
  });

  test("arbitrary strings and forged JSON never throw and never verify", async () => {
    const kid = issuer.keyIds().at(-1) ?? "";
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .tuple(fc.constantFrom("RS256", "ES256", "none"), fc.jsonValue(), fc.base64String())
            .map(([alg, payload, signature]) =>
              forge({ alg, kid }, payload, signature.replace(/=+$/, "")),
            ),
        ),
        async (token) => {
          const result = await verifyJwt(token, findKey, noSignal);
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
