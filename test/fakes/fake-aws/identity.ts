import {
  parseAmzDate,
  parseAuthorization,
  type ReceivedRequest,
  sha256Hex,
  signatureMatches,
} from "./sigv4.ts";
import type {
  FakeCredentials,
  FakeGrant,
  FakeService,
  RoleDefinition,
  WebIdentityTrust,
} from "./types.ts";
import { AwsFault, alphanumeric, keyIdAlphabet, randomChars } from "./wire.ts";

/** Wire protocol of the service being called; auth errors are spelled differently in each. */
export type AuthProtocol = "json" | "query";

type AuthFailure = "missing" | "malformed" | "invalidToken" | "expired" | "badSignature";

const authErrors: Record<
  AuthFailure,
  { json: [number, string]; query: [number, string]; message: string }
> = {
  missing: {
    json: [400, "MissingAuthenticationTokenException"],
    query: [403, "MissingAuthenticationToken"],
    message: "Missing Authentication Token",
  },
  malformed: {
    json: [400, "IncompleteSignatureException"],
    query: [400, "IncompleteSignature"],
    message:
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters and a valid 'X-Amz-Date' header.",
  },
  invalidToken: {
    json: [400, "UnrecognizedClientException"],
    query: [403, "InvalidClientTokenId"],
    message: "The security token included in the request is invalid.",
  },
  expired: {
    json: [400, "ExpiredTokenException"],
    query: [403, "ExpiredToken"],
    message: "The security token included in the request is expired",
  },
  badSignature: {
    json: [400, "InvalidSignatureException"],
    query: [403, "SignatureDoesNotMatch"],
    message:
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  },
};

function authFault(failure: AuthFailure, protocol: AuthProtocol, message?: string): AwsFault {
  const entry = authErrors[failure];
  const [status, code] = entry[protocol];
  return new AwsFault(status, code, message ?? entry.message);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

/** Credentials, web-identity trust, role trust and identity-based permissions of the fake. */
export class IdentityStore {
  readonly #credentials = new Map<string, FakeCredentials>();
  readonly #tokens = new Map<string, WebIdentityTrust>();
  readonly #roles = new Map<string, RoleDefinition>();
  readonly #grants = new Map<string, FakeGrant[]>();

  constructor(
    readonly accountId: string,
    readonly now: () => number,
    readonly defaultDurationSeconds: number,
  ) {}

  /** Mints credentials for a role session and accepts them from now on. */
  /** Every trusted web-identity token and issued secret key / session token. */
  sensitiveValues(): string[] {
    return [
      ...this.#tokens.keys(),
      ...[...this.#credentials.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]),
    ];
  }

  issue(roleArn: string, sessionName: string, durationSeconds?: number): FakeCredentials {
    const seconds = durationSeconds ?? this.defaultDurationSeconds;
    const credentials: FakeCredentials = {
      accessKeyId: `ASIA${randomChars(16, keyIdAlphabet)}`,
      secretAccessKey: randomChars(40, `${alphanumeric}/+`),
      sessionToken: `FwoGZXIvYXdzEFake${randomChars(280, `${alphanumeric}/+`)}`,
      expiration: new Date(Math.floor(this.now() / 1000) * 1000 + seconds * 1000),
      roleArn,
      sessionName,
    };
    this.#credentials.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** Marks issued credentials as expired. */
  expire(accessKeyId: string): void {
    const credentials = this.#credentials.get(accessKeyId);
    if (credentials) credentials.expiration = new Date(this.now() - 1000);
  }

  /** Looks up issued credentials by access key id. */
  lookup(accessKeyId: string): FakeCredentials | undefined {
    return this.#credentials.get(accessKeyId);
  }

  trustWebIdentity(token: string, trust: WebIdentityTrust): void {
    this.#tokens.set(token, { ...trust });
  }

  webIdentity(token: string): WebIdentityTrust | undefined {
    return this.#tokens.get(token);
  }

  defineRole(roleArn: string, definition: RoleDefinition): void {
    this.#roles.set(roleArn, { ...definition });
  }

  role(roleArn: string): RoleDefinition | undefined {
    return this.#roles.get(roleArn);
  }

  grant(roleArn: string, grant: FakeGrant): void {
    const list = this.#grants.get(roleArn) ?? [];
    list.push({ ...grant });
    this.#grants.set(roleArn, list);
  }

  revokeAll(roleArn: string): void {
    this.#grants.delete(roleArn);
  }

  /** True when any grant of the role allows `service:action` on any of `resources`. */
  isAllowed(
    roleArn: string,
    service: FakeGrant["service"],
    action: string,
    resources: readonly string[],
  ): boolean {
    const grants = this.#grants.get(roleArn) ?? [];
    return grants.some((grant) => {
      if (grant.service !== service) return false;
      if (grant.actions && !grant.actions.includes(action) && !grant.actions.includes("*")) {
        return false;
      }
      const pattern = globToRegExp(grant.resource);
      return resources.some((resource) => pattern.test(resource));
    });
  }

  /** True when the role has any grant of the service that allows `action` (resource `*` actions). */
  hasAnyGrant(roleArn: string, service: FakeGrant["service"], action: string): boolean {
    const grants = this.#grants.get(roleArn) ?? [];
    return grants.some(
      (grant) =>
        grant.service === service &&
        (!grant.actions || grant.actions.includes(action) || grant.actions.includes("*")),
    );
  }

  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session>`. */
  principalArn(credentials: FakeCredentials): string {
    const account = credentials.roleArn.split(":")[4] || this.accountId;
    const roleName = credentials.roleArn.split("/").at(-1) ?? credentials.roleArn;
    return `arn:aws:sts::${account}:assumed-role/${roleName}/${credentials.sessionName}`;
  }

  /** The AccessDeniedException AWS returns when no identity-based policy allows an action. */
  accessDenied(
    credentials: FakeCredentials,
    service: FakeService,
    action: string,
    resource: string,
  ): AwsFault {
    return new AwsFault(
      400,
      "AccessDeniedException",
      `User: ${this.principalArn(credentials)} is not authorized to perform: ${service}:${action} on resource: ${resource} because no identity-based policy allows the ${service}:${action} action`,
    );
  }

  /**
   * Verifies the request's SigV4 signature against credentials this fake issued.
   * @throws AwsFault with the protocol's auth error (unknown key, bad token, expired, bad signature)
   */
  async authenticate(
    request: ReceivedRequest,
    service: FakeService,
    protocol: AuthProtocol,
  ): Promise<{ credentials: FakeCredentials; region: string }> {
    const header = request.headers.get("authorization");
    if (header === null) throw authFault("missing", protocol);
    const auth = parseAuthorization(header);
    const amzDate = parseAmzDate(request.headers.get("x-amz-date") ?? "");
    if (!auth || !amzDate) throw authFault("malformed", protocol);
    if (auth.service !== service) {
      throw authFault(
        "badSignature",
        protocol,
        `Credential should be scoped to correct service: '${service}'.`,
      );
    }
    const credentials = this.#credentials.get(auth.accessKeyId);
    if (!credentials) throw authFault("invalidToken", protocol);
    if (request.headers.get("x-amz-security-token") !== credentials.sessionToken) {
      throw authFault("invalidToken", protocol);
    }
    if (this.now() >= credentials.expiration.getTime()) throw authFault("expired", protocol);
    const headerDate = request.headers.get("x-amz-date")?.slice(0, 8);
    if (headerDate !== auth.scopeDate) {
      throw authFault(
        "badSignature",
        protocol,
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${headerDate}'`,
      );
    }
    const contentSha = request.headers.get("x-amz-content-sha256");
    if (contentSha !== null && contentSha !== sha256Hex(request.body)) {
      throw authFault("badSignature", protocol);
    }
    if (!(await signatureMatches(request, auth, amzDate, credentials))) {
      throw authFault("badSignature", protocol);
    }
    return { credentials, region: auth.region };
  }
}
