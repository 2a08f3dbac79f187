import { createHash, createHmac } from "node:crypto";

/** The identity a signer signs as, revealed by the one client that owns the signer. */
export interface SigningIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** Options of {@link createSigV4Signer}. */
export interface SigV4SignerOptions {
  /** Signing name: `secretsmanager`, `ssm`, `sts`. */
  service: string;
  region: string;
  identity: SigningIdentity;
  /** The request path as sent: a URL's `pathname` (percent-encoded, starting with `/`). */
  path: string;
}

/** Signs one POST of a fixed path: the headers to send, with `x-amz-date`, token and signature. */
export type SigV4Signer = (
  headers: Readonly<Record<string, string>>,
  body: string,
  at: Date,
) => Record<string, string>;

/**
 * Headers never signed, as the SDK's signer leaves them out: a proxy or the HTTP stack may change
 * them on the way (SigV4 lets the signer choose; AWS only checks the ones named as signed).
 */
const unsignable = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);

/**
 * AWS Signature Version 4 for the lean clients: the same signature the SDK's signer
 * (`@smithy/signature-v4`) writes for these requests, which `sign-v4.test.ts` checks over generated
 * requests. It does less per call: the canonical path is made once per signer, the signing key
 * (four HMACs) once per UTC day instead of a credentials digest and a cache lookup per call, and
 * every hash is native and synchronous, with no promise per digest and no hex loop in JavaScript.
 * Only what these clients send is supported: POST, no query string, a string body.
 */
export function createSigV4Signer(options: SigV4SignerOptions): SigV4Signer {
  const { service, region, identity } = options;
  const canonicalPath = toCanonicalPath(options.path);
  let keyDay = "";
  let signingKey: Buffer = Buffer.alloc(0);

  return (headers, body, at) => {
    const amzDate = toAmzDate(at);
    const day = amzDate.slice(0, 8);
    if (day !== keyDay) {
      signingKey = deriveSigningKey(identity.secretAccessKey, day, region, service);
      keyDay = day;
    }
    const signed: Record<string, string> = { ...headers, "x-amz-date": amzDate };
    if (identity.sessionToken) signed["x-amz-security-token"] = identity.sessionToken;

    // By lower-case name; of two spellings of one header the later in code-unit order is signed,
    // as the SDK's signer does.
    const canonical = new Map<string, string>();
    for (const name of Object.keys(signed).sort()) {
      const lower = name.toLowerCase();
      if (unsignable.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-")) continue;
      canonical.set(lower, (signed[name] ?? "").trim().replace(/\s+/g, " "));
    }
    const names = [...canonical.keys()].sort();
    let canonicalHeaders = "";
    for (const name of names) canonicalHeaders += `${name}:${canonical.get(name)}\n`;
    const signedHeaders = names.join(";");

    const canonicalRequest = `POST\n${canonicalPath}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(body)}`;
    const scope = `${day}/${region}/${service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac("sha256", signingKey).update(stringToSign).digest("hex");
    signed["authorization"] =
      `AWS4-HMAC-SHA256 Credential=${identity.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return signed;
  };
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `20261204T213000Z`: ISO 8601 basic format, whole seconds, UTC. */
function toAmzDate(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

function deriveSigningKey(secret: string, day: string, region: string, service: string): Buffer {
  const dateKey = createHmac("sha256", `AWS4${secret}`).update(day).digest();
  const regionKey = createHmac("sha256", dateKey).update(region).digest();
  const serviceKey = createHmac("sha256", regionKey).update(service).digest();
  return createHmac("sha256", serviceKey).update("aws4_request").digest();
}

/**
 * The canonical URI of every service but S3: empty and `.` segments dropped, `..` taking the one
 * before it away, and the (already percent-encoded) path encoded once more, slashes kept.
 */
function toCanonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const leading = path.startsWith("/") ? "/" : "";
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return `${leading}${segments.map(escapeUriSegment).join("/")}${trailing}`;
}

/** RFC 3986 encoding: `encodeURIComponent` plus the sub-delimiters it leaves alone. */
function escapeUriSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
