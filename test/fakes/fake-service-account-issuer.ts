import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

/** Algorithms the fake issuer signs with, as kube-apiserver does for RSA and P-256 keys. */
export type FakeSigningAlgorithm = "RS256" | "ES256";

/** What a minted service account token says; see {@link FakeServiceAccountIssuer.mint}. */
export interface MintOptions {
  namespace: string;
  serviceAccount: string;
  /** `aud`: one audience or several. */
  audience: string | readonly string[];
  /** @default `${serviceAccount}-pod` */
  podName?: string;
  /** @default a random UUID */
  podUid?: string;
  /**
   * Seconds from now until `exp`; negative for a token that has expired already.
   * @default 3600
   */
  expiresInSeconds?: number;
  /** Seconds from now until `nbf` (and `iat`). @default 0 */
  notBeforeInSeconds?: number;
  /** `iss` instead of the issuer's own. */
  issuer?: string;
  /** `sub` instead of `system:serviceaccount:<namespace>:<serviceAccount>`. */
  subject?: string;
  /**
   * `current`: the newest published key. `unpublished`: a key that is in no key set the fake ever
   * served (a forged token, or one of another cluster).
   * @default "current"
   */
  key?: "current" | "unpublished";
  /** The header's `kid` instead of the signing key's (e.g. a published kid over a forged signature). */
  kid?: string;
  /** The header's `alg` instead of the key's (e.g. `none`). */
  alg?: string;
  /** Claims set over the minted ones (e.g. `aud` as a single string). */
  claims?: Record<string, unknown>;
}

/**
 * A service account issuer as kube-apiserver is one: an issuer URL, a key set whose keys are
 * named by the base64url SHA-256 of their DER public key, and tokens signed like TokenRequest's.
 * Signing uses node:crypto synchronously, so tests mint tokens without awaiting; the provider
 * verifies them with WebCrypto, an independent implementation.
 */
export interface FakeServiceAccountIssuer {
  /** The `iss` of minted tokens. */
  readonly issuer: string;
  /** `/.well-known/openid-configuration`: `jwks_uri` points outside the cluster, as on EKS. */
  discoveryDocument(): Record<string, unknown>;
  /** `/openid/v1/jwks`: the published public keys. */
  keySet(): { keys: Record<string, unknown>[] };
  /** Signs a token for a ServiceAccount. */
  mint(options: MintOptions): string;
  /**
   * Signs from now on with a new key (of `algorithm`, RS256 by default), published in the key set;
   * the previous keys stay published unless `dropPrevious`.
   */
  rotate(options?: { algorithm?: FakeSigningAlgorithm; dropPrevious?: boolean }): void;
  /** Key ids now published, newest last. */
  keyIds(): string[];
}

interface SigningKey {
  kid: string;
  algorithm: FakeSigningAlgorithm;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

let sharedRsaKey: SigningKey | undefined;
let unpublishedKey: SigningKey | undefined;

/** Creates an issuer; its first RS256 key is generated once per test process and shared. */
export function createFakeServiceAccountIssuer(
  issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
): FakeServiceAccountIssuer {
  sharedRsaKey ??= generateSigningKey("RS256");
  let published: SigningKey[] = [sharedRsaKey];
  const current = () => published.at(-1) ?? sharedRsaKey;

  return {
    issuer,
    discoveryDocument: () => ({
      issuer,
      jwks_uri: `${issuer}/keys`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [...new Set(published.map((key) => key.algorithm))],
    }),
    keySet: () => ({ keys: published.map((key) => ({ ...key.publicJwk })) }),
    mint(options) {
      unpublishedKey ??= generateSigningKey("RS256");
      const key = options.key === "unpublished" ? unpublishedKey : (current() as SigningKey);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const notBefore = nowSeconds + (options.notBeforeInSeconds ?? 0);
      const header = { alg: options.alg ?? key.algorithm, kid: options.kid ?? key.kid };
      const claims = {
        aud: typeof options.audience === "string" ? [options.audience] : [...options.audience],
        exp: nowSeconds + (options.expiresInSeconds ?? 3600),
        iat: notBefore,
        iss: options.issuer ?? issuer,
        jti: crypto.randomUUID(),
        "kubernetes.io": {
          namespace: options.namespace,
          pod: {
            name: options.podName ?? `${options.serviceAccount}-pod`,
            uid: options.podUid ?? crypto.randomUUID(),
          },
          serviceaccount: { name: options.serviceAccount, uid: crypto.randomUUID() },
        },
        nbf: notBefore,
        sub:
          options.subject ?? `system:serviceaccount:${options.namespace}:${options.serviceAccount}`,
      };
      const signingInput = `${toBase64Url(header)}.${toBase64Url(claims)}`;
      const signature = sign(
        "sha256",
        Buffer.from(signingInput),
        key.algorithm === "ES256"
          ? { key: key.privateKey, dsaEncoding: "ieee-p1363" }
          : key.privateKey,
      );
      return `${signingInput}.${signature.toString("base64url")}`;
    },
    rotate(rotateOptions = {}) {
      const next = generateSigningKey(rotateOptions.algorithm ?? "RS256");
      published = rotateOptions.dropPrevious ? [next] : [...published, next];
    },
    keyIds: () => published.map((key) => key.kid),
  };
}

function generateSigningKey(algorithm: FakeSigningAlgorithm): SigningKey {
  const { privateKey, publicKey } =
    algorithm === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  // kube-apiserver's key id: the unpadded base64url SHA-256 of the DER public key.
  const kid = createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("base64url");
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
  return {
    kid,
    algorithm,
    privateKey,
    publicJwk: { use: "sig", kty: jwk["kty"], kid, alg: algorithm, ...jwk },
  };
}

function toBase64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
