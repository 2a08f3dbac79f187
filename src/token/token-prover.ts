import { createHash } from "node:crypto";
import { createLruCache } from "../cache/lru-cache.ts";
import type { CallOptions } from "../call-options.ts";
import type { Redacted } from "../redacted.ts";
import {
  type FindKey,
  maxTokenLength,
  type TokenProofFailure,
  type VerifiedClaims,
  verifyJwt,
} from "./verify-jwt.ts";

/** What the request says the token is: its audience and the pod's ServiceAccount. */
export interface ExpectedToken {
  /** `sts.amazonaws.com` (IRSA) or `pods.eks.amazonaws.com` (Pod Identity). */
  audience: string;
  /** `system:serviceaccount:<namespace>:<name>` of the pod being mounted. */
  subject: string;
}

/** The outcome of {@link TokenProver.prove}. */
export type TokenProof = { ok: true } | { ok: false; reason: TokenProofFailure };

/** Options of {@link createTokenProver}. */
export interface TokenProverOptions {
  /** Verified tokens remembered; the least recently used go first. @default 10000 */
  maxTokens?: number | undefined;
  /**
   * Longest time a verified token is remembered (at most until it expires), so that a key removed
   * from the issuer's key set stops proving tokens within about this time too.
   * @default 600_000 (10 minutes)
   */
  maxRememberMs?: number | undefined;
  /**
   * Allowed difference between this node's clock and the issuer's for `exp` and `nbf`.
   * @default 60_000
   */
  clockSkewMs?: number | undefined;
  /** Wall-clock milliseconds, as `exp` is. @default Date.now */
  now?: (() => number) | undefined;
  /** Reports each lookup of a remembered token (for cache metrics); must not throw. */
  onLookup?: ((hit: boolean) => void) | undefined;
}

/** Proves that a presented service account token is what the request says it is. */
export interface TokenProver {
  /**
   * `{ ok: true }` when `token` is a JWT signed by the cluster's service account issuer (see
   * `verifyJwt`), unexpired (within the clock skew), for `expected.audience` and with subject
   * `expected.subject`; else the reason it is not. Never throws for a bad token or an unavailable
   * key set, only the caller's `signal.reason`.
   */
  prove(
    token: Redacted<string>,
    expected: ExpectedToken,
    options: CallOptions,
  ): Promise<TokenProof>;
}

/**
 * Creates the prover behind SPEC §5.3's "a cache hit needs proof". A token whose signature
 * verified is remembered by its SHA-256 digest (never the token itself) with its claims, so the
 * driver's rotation remounts, which present the same token for up to an hour, cost a hash and a
 * map lookup instead of a signature check. Audience, subject and time are judged on every call.
 */
export function createTokenProver(findKey: FindKey, options: TokenProverOptions = {}): TokenProver {
  const now = options.now ?? Date.now;
  const clockSkewMs = options.clockSkewMs ?? 60_000;
  const maxRememberMs = options.maxRememberMs ?? 600_000;
  const remembered = createLruCache<VerifiedClaims>({
    maxEntries: options.maxTokens ?? 10_000,
    now,
  });

  return {
    async prove(token, expected, callOptions) {
      const raw = token.reveal();
      // Hashing is linear in the length: look at nothing longer than a token can be.
      if (raw.length > maxTokenLength) return { ok: false, reason: "Malformed" };
      const digest = createHash("sha256").update(raw).digest("base64");
      let claims = remembered.get(digest);
      options.onLookup?.(claims !== undefined);
      if (claims === undefined) {
        const verified = await verifyJwt(raw, findKey, callOptions);
        if (!verified.ok) return verified;
        claims = verified.claims;
        remembered.set(digest, claims, {
          expiresAt: Math.min(claims.expiresAtMs + clockSkewMs, now() + maxRememberMs),
        });
      }
      return judge(claims, expected, now(), clockSkewMs);
    },
  };
}

function judge(
  claims: VerifiedClaims,
  expected: ExpectedToken,
  at: number,
  clockSkewMs: number,
): TokenProof {
  if (!claims.audiences.includes(expected.audience)) return { ok: false, reason: "WrongAudience" };
  if (claims.subject !== expected.subject) return { ok: false, reason: "WrongSubject" };
  if (at > claims.expiresAtMs + clockSkewMs) return { ok: false, reason: "Expired" };
  if (claims.notBeforeMs !== undefined && at < claims.notBeforeMs - clockSkewMs) {
    return { ok: false, reason: "NotYetValid" };
  }
  return { ok: true };
}
