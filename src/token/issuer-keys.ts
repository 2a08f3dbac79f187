import { createPublicKey, type KeyObject, type webcrypto } from "node:crypto";
import type { CallOptions, MountTally } from "../call-options.ts";
import type { IssuerKeySet, KubeApi } from "../kube/kube-api.ts";
import type { JwtAlgorithm, KeyLookup, VerificationKey } from "./verify-jwt.ts";

/** Options of {@link createIssuerKeys}. */
export interface IssuerKeysOptions {
  /**
   * How long a key set read is used; the first lookup after that reads it again, so a key the
   * cluster removed stops verifying tokens within this time.
   * @default 600_000 (10 minutes)
   */
  maxAgeMs?: number | undefined;
  /**
   * Least time between two reads caused by an unknown `kid`, and between a failed read and the next
   * attempt: a flood of tokens with made-up key ids, or an API server that is down, costs at most
   * one read (two GETs) per interval.
   * @default 30_000
   */
  minRereadIntervalMs?: number | undefined;
  /**
   * How long one lookup waits for a read in progress. A slower read goes on for later lookups;
   * this one answers `KeySetUnavailable`, so a slow API server delays no Mount by more.
   * @default 2000
   */
  maxWaitMs?: number | undefined;
  /**
   * Milliseconds on a monotonic clock.
   * @default performance.now()
   */
  now?: (() => number) | undefined;
  /** Called when a read fails (to log it); must not throw. */
  onReadError?: ((error: unknown) => void) | undefined;
  /** Called when a read succeeded, with the number of usable keys; must not throw. */
  onRead?: ((usableKeys: number) => void) | undefined;
}

/** The service account issuer's verification keys, read from the API server and kept. */
export interface IssuerKeys {
  /**
   * The issuer and its key `kid`. Reads the key set when none is held or it is older than
   * `maxAgeMs`, and again for an unknown `kid` (at most once per `minRereadIntervalMs`), so a
   * key rotation is followed at once. Never throws, except the caller's `signal.reason`.
   */
  find(kid: string, options: CallOptions): Promise<KeyLookup>;
}

interface HeldKeys {
  issuer: string;
  keys: ReadonlyMap<string, VerificationKey>;
  readAt: number;
}

/**
 * Keeps the issuer (`/.well-known/openid-configuration`) and its key set (`/openid/v1/jwks`),
 * read together through `kube` with the provider's own token. A read shared by concurrent lookups
 * runs on its own, not under one Mount's signal, so a Mount that gives up does not cancel it for
 * the others.
 */
export function createIssuerKeys(
  kube: Pick<KubeApi, "getIssuerDiscovery" | "getIssuerKeySet">,
  options: IssuerKeysOptions = {},
): IssuerKeys {
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const minRereadIntervalMs = options.minRereadIntervalMs ?? 30_000;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  const now = options.now ?? (() => performance.now());
  let held: HeldKeys | undefined;
  let reading: Promise<void> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let rereadForUnknownKeyAt = Number.NEGATIVE_INFINITY;

  const read = (tally: MountTally | undefined): Promise<void> => {
    reading ??= (async () => {
      // The API client's own request timeout bounds the read.
      const signal = new AbortController().signal;
      try {
        const [discovery, keySet] = await Promise.all([
          kube.getIssuerDiscovery({ signal, tally }),
          kube.getIssuerKeySet({ signal, tally }),
        ]);
        const keys = importKeys(keySet);
        held = { issuer: discovery.issuer, keys, readAt: now() };
        options.onRead?.(keys.size);
      } catch (error) {
        failedAt = now();
        options.onReadError?.(error);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };

  const lookUp = (kid: string): KeyLookup => {
    if (held === undefined || now() - held.readAt >= maxAgeMs) {
      return { ok: false, reason: "KeySetUnavailable" };
    }
    const key = held.keys.get(kid);
    return key === undefined
      ? { ok: false, reason: "UnknownKey" }
      : { ok: true, issuer: held.issuer, key };
  };

  return {
    async find(kid, { signal, tally }) {
      signal.throwIfAborted();
      const first = lookUp(kid);
      if (first.ok) return first;
      const at = now();
      const mayRetry = at - failedAt >= minRereadIntervalMs;
      let work = reading;
      if (work === undefined && mayRetry) {
        if (first.reason === "KeySetUnavailable") work = read(tally);
        else if (at - rereadForUnknownKeyAt >= minRereadIntervalMs) {
          rereadForUnknownKeyAt = at;
          work = read(tally);
        }
      }
      if (work === undefined) return first;
      await waitAtMost(work, maxWaitMs, signal);
      return lookUp(kid);
    },
  };
}

/**
 * Imports every key usable for RS256 or ES256 with a `kid`; others (encryption keys, other
 * curves, malformed entries) are skipped, so one odd key does not hide the rest.
 */
function importKeys(keySet: IssuerKeySet): Map<string, VerificationKey> {
  const imported = keySet.keys.map((jwk) => importKey(jwk));
  const keys = new Map<string, VerificationKey>();
  for (const entry of imported) {
    if (entry !== undefined && !keys.has(entry[0])) keys.set(entry[0], entry[1]);
  }
  return keys;
}

function importKey(jwk: Readonly<Record<string, unknown>>): [string, VerificationKey] | undefined {
  const { kid, kty, alg, use } = jwk;
  if (typeof kid !== "string" || kid === "") return undefined;
  if (use !== undefined && use !== "sig") return undefined;
  const algorithm = toAlgorithm(kty, jwk["crv"]);
  if (algorithm === undefined || (alg !== undefined && alg !== algorithm)) return undefined;
  try {
    const key =
      algorithm === "RS256"
        ? importPublicKey(jwk, ["n", "e"], { kty: "RSA" })
        : importPublicKey(jwk, ["x", "y"], { kty: "EC", crv: "P-256" });
    return key === undefined ? undefined : [kid, { algorithm, key }];
  } catch {
    return undefined;
  }
}

function toAlgorithm(kty: unknown, crv: unknown): JwtAlgorithm | undefined {
  if (kty === "RSA") return "RS256";
  if (kty === "EC" && crv === "P-256") return "ES256";
  return undefined;
}

/**
 * Imports only the public members named in `fields`, so a stray private member is never used, as
 * a node:crypto key: its synchronous `verify` costs a third of WebCrypto's, which hands each check
 * to a worker thread and back (README, Performance).
 * @throws Error when the members do not make a key of `base`'s type
 */
function importPublicKey(
  jwk: Readonly<Record<string, unknown>>,
  fields: readonly string[],
  base: webcrypto.JsonWebKey,
): KeyObject | undefined {
  const members: Record<string, string> = {};
  for (const field of fields) {
    const value = jwk[field];
    if (typeof value !== "string" || value === "") return undefined;
    members[field] = value;
  }
  return createPublicKey({ key: { ...base, ...members }, format: "jwk" });
}

/** Resolves when `work` settles or after `ms`, whichever is first; rejects when `signal` aborts. */
function waitAtMost(work: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(done, done);
  });
}
