import { type KeyObject, verify } from "node:crypto";
import type { CallOptions } from "../call-options.ts";

/**
 * Signature algorithms a service account token may use: kube-apiserver signs with RS256 (an RSA
 * `--service-account-signing-key-file`, the default) or ES256 (a P-256 key). Anything else, `none`
 * first of all, is never accepted.
 */
export type JwtAlgorithm = "RS256" | "ES256";

/** One of the issuer's public keys, imported for the algorithm it verifies. */
export interface VerificationKey {
  algorithm: JwtAlgorithm;
  key: KeyObject;
}

/** Why a token was not proven; stable words for logs and tests. */
export type TokenProofFailure =
  /** Not three base64url parts of JSON within the size limit, or a claim missing or ill-typed. */
  | "Malformed"
  /** `alg` other than RS256 / ES256 (`none` included), or a `crit` header. */
  | "UnsupportedAlgorithm"
  /** The issuer's discovery document or key set could not be read. */
  | "KeySetUnavailable"
  /** No key of the issuer has the token's `kid`, also after reading the key set again. */
  | "UnknownKey"
  | "BadSignature"
  /** Signed by the issuer's key, but `iss` names someone else. */
  | "WrongIssuer"
  | "WrongAudience"
  | "WrongSubject"
  | "Expired"
  | "NotYetValid";

/** What a key lookup found for a `kid`. */
export type KeyLookup =
  | { ok: true; issuer: string; key: VerificationKey }
  | { ok: false; reason: "KeySetUnavailable" | "UnknownKey" };

/** Finds the issuer's key with id `kid` (see `createIssuerKeys`). */
export type FindKey = (kid: string, options: CallOptions) => Promise<KeyLookup>;

/** The claims of a token whose signature and issuer verified. */
export interface VerifiedClaims {
  /** `sub`: `system:serviceaccount:<namespace>:<name>` for service account tokens. */
  subject: string;
  /** `aud`, as a list even when the token has a single string. */
  audiences: readonly string[];
  /** `exp` in milliseconds since the epoch. */
  expiresAtMs: number;
  /** `nbf` in milliseconds since the epoch, when the token has one. */
  notBeforeMs: number | undefined;
}

/** The outcome of {@link verifyJwt}. */
export type JwtVerification =
  | { ok: true; claims: VerifiedClaims }
  | { ok: false; reason: TokenProofFailure };

/**
 * Longest token looked at. Service account tokens are about 1 KiB (RS256, the `kubernetes.io`
 * claims); a longer string is not parsed at all, since a token is attacker-controlled input.
 */
export const maxTokenLength = 16 * 1024;
/** Longest `kid` looked up; kube-apiserver's are 43 characters (a base64url SHA-256). */
const maxKeyIdLength = 256;
const base64UrlPattern = /^[A-Za-z0-9_-]+$/;
const es256SignatureBytes = 64;

/**
 * Verifies a compact JWS (RFC 7515) signed by the service account issuer: its shape within
 * {@link maxTokenLength}, `alg` (RS256 or ES256 only), the signature against the issuer's key
 * named by `kid`, and `iss`; then reads `sub`, `aud`, `exp` and `nbf`. It does not judge those
 * claims (audience, subject and time depend on the request): the caller does. Cheap checks run
 * first, so a malformed token costs no key lookup and no signature check. Never throws for a bad
 * token; `findKey` may throw the caller's `signal.reason`.
 */
export async function verifyJwt(
  token: string,
  findKey: FindKey,
  options: CallOptions,
): Promise<JwtVerification> {
  const parsed = parseJwt(token);
  if (!parsed.ok) return parsed;
  const { header, claims } = parsed;
  const lookup = await findKey(header.kid, options);
  if (!lookup.ok) return lookup;
  // The key decides the algorithm, never the token alone (no RS256/ES256 confusion).
  if (lookup.key.algorithm !== header.alg) return { ok: false, reason: "BadSignature" };
  let isValid = false;
  try {
    // RS256 is RSASSA-PKCS1-v1_5 (node's default for RSA keys); a JWS carries an ES256 signature
    // as r ‖ s (IEEE P1363), not DER.
    const key =
      header.alg === "ES256"
        ? { key: lookup.key.key, dsaEncoding: "ieee-p1363" as const }
        : lookup.key.key;
    isValid = verify("sha256", parsed.signingInput, key, parsed.signature);
  } catch {
    isValid = false;
  }
  if (!isValid) return { ok: false, reason: "BadSignature" };
  if (claims.issuer !== lookup.issuer) return { ok: false, reason: "WrongIssuer" };
  return { ok: true, claims: claims.verified };
}

interface ParsedJwt {
  ok: true;
  header: { alg: JwtAlgorithm; kid: string };
  claims: { issuer: string; verified: VerifiedClaims };
  signingInput: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

type Failure = { ok: false; reason: TokenProofFailure };

const malformed: Failure = { ok: false, reason: "Malformed" };

function parseJwt(token: string): ParsedJwt | Failure {
  if (token.length > maxTokenLength) return malformed;
  const parts = token.split(".");
  if (parts.length !== 3) return malformed;
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  if (!parts.every(isBase64Url)) return malformed;
  const header = readJsonObject(headerPart);
  const payload = readJsonObject(payloadPart);
  if (header === undefined || payload === undefined) return malformed;

  const { alg, kid } = header;
  if (alg !== "RS256" && alg !== "ES256") return { ok: false, reason: "UnsupportedAlgorithm" };
  // RFC 7515 §4.1.11: an extension we do not understand must make the token invalid.
  if (header["crit"] !== undefined) return { ok: false, reason: "UnsupportedAlgorithm" };
  if (typeof kid !== "string" || kid === "" || kid.length > maxKeyIdLength) return malformed;

  const claims = readClaims(payload);
  if (claims === undefined) return malformed;
  const signature = new Uint8Array(Buffer.from(signaturePart, "base64url"));
  if (alg === "ES256" && signature.byteLength !== es256SignatureBytes) {
    return { ok: false, reason: "BadSignature" };
  }
  return {
    ok: true,
    header: { alg, kid },
    claims,
    // The parts were checked to be base64url, so this is ASCII as signed.
    signingInput: new TextEncoder().encode(`${headerPart}.${payloadPart}`),
    signature,
  };
}

function readClaims(
  payload: Record<string, unknown>,
): { issuer: string; verified: VerifiedClaims } | undefined {
  const { iss, sub, aud, exp, nbf } = payload;
  if (typeof iss !== "string" || typeof sub !== "string" || sub === "") return undefined;
  const audiences = typeof aud === "string" ? [aud] : aud;
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    !audiences.every((entry) => typeof entry === "string")
  ) {
    return undefined;
  }
  if (!isSeconds(exp) || (nbf !== undefined && !isSeconds(nbf))) return undefined;
  return {
    issuer: iss,
    verified: {
      subject: sub,
      audiences: audiences as string[],
      expiresAtMs: exp * 1000,
      notBeforeMs: nbf === undefined ? undefined : nbf * 1000,
    },
  };
}

/** A NumericDate (RFC 7519 §2): seconds since the epoch. */
function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isBase64Url(part: string): boolean {
  // A length of 4n+1 cannot come from whole bytes.
  return part.length % 4 !== 1 && base64UrlPattern.test(part);
}

function readJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    // Not JSON, or nested deeper than the parser's stack allows.
    return undefined;
  }
}
