/**
 * A fake AWS (STS, Secrets Manager, SSM) on a real HTTP server at 127.0.0.1, speaking the wire
 * protocols the SDK v3 clients use: `awsJson1_1` for Secrets Manager and SSM (dispatched on
 * `X-Amz-Target`) and `awsQuery` (form body, XML answer) for STS. Every signed request's SigV4
 * signature is verified against credentials the fake issued; data lookups use the credential-scope
 * region. Point real clients at it with `endpoint: fake.url`, `region`, `credentials` only.
 */
import { type BreakKind, type FakeHang, Faults } from "./fake-aws/faults.ts";
import { IdentityStore } from "./fake-aws/identity.ts";
import { SecretsManagerStore } from "./fake-aws/secrets-manager.ts";
import { type FakeState, handleRequest } from "./fake-aws/server.ts";
import { SsmStore } from "./fake-aws/ssm.ts";
import type {
  FakeAwsOptions,
  FakeCredentials,
  FakeGrant,
  FakeService,
  FaultFilter,
  InjectedError,
  PutParameterInput,
  PutParameterResult,
  PutSecretInput,
  PutSecretResult,
  RecordedCall,
  RoleDefinition,
  WebIdentityTrust,
} from "./fake-aws/types.ts";

export { type BreakKind, breakKinds, type FakeHang } from "./fake-aws/faults.ts";
export { applySeed, type FakeAwsSeed, seedAccountId } from "./fake-aws/seed.ts";
export type * from "./fake-aws/types.ts";

/** Options of {@link FakeAws.failNext}. */
export interface FailNextOptions {
  region?: string;
  service?: FakeService;
  /** How many matching requests fail; default 1. */
  times?: number;
}

/** A running fake AWS; see {@link createFakeAws}. */
export interface FakeAws extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the endpoint for every service and region. */
  readonly url: string;
  readonly port: number;
  readonly accountId: string;
  /**
   * `<url>/region/<region>`: same server, but unsigned calls (`AssumeRoleWithWebIdentity`) are then
   * recorded and fault-matched with this region. Signed calls always use the credential scope's.
   */
  endpointFor(region: string): string;

  /** Every request received so far, oldest first (a snapshot array of live records). */
  readonly calls: readonly RecordedCall[];
  resetCalls(): void;

  /** Accepts `token` in `AssumeRoleWithWebIdentity` (for `trust.roleArns`, or any role). */
  trustWebIdentity(token: string, trust?: WebIdentityTrust): void;
  /** Makes `roleArn` assumable with `AssumeRole` (by any caller unless `trustedPrincipals`). */
  defineRole(roleArn: string, definition?: RoleDefinition): void;
  /** Adds an identity-based permission of the role; everything not granted is denied. */
  grant(roleArn: string, grant: FakeGrant): void;
  /** Removes every grant of the role. */
  revokeAll(roleArn: string): void;
  /** Mints credentials for a role session directly, without an STS call. */
  issueCredentials(
    roleArn: string,
    options?: { sessionName?: string; durationSeconds?: number },
  ): FakeCredentials;
  /** Makes issued credentials expired from now on. */
  expireCredentials(accessKeyId: string): void;

  /**
   * Adds a secret version in `region`; a second put of a name adds a version that takes the
   * stages (AWSCURRENT by default; the old current becomes AWSPREVIOUS).
   * @throws Error unless exactly one of secretString/secretBinary is given, or on a reused versionId
   */
  putSecret(region: string, input: PutSecretInput): PutSecretResult;
  /** GetSecretValue of this secret (name or ARN) fails with DecryptionFailure, for one role or all. */
  denyDecrypt(region: string, secretId: string, options?: { roleArn?: string }): void;
  /** Adds a parameter version in `region` (versions count from 1; labels move to the new one). */
  putParameter(region: string, input: PutParameterInput): PutParameterResult;

  /** Delays requests matching `filter` by `ms` (the largest matching rule wins; 0 removes the rule). */
  setLatency(ms: number, filter?: FaultFilter): void;
  /** The next matching `operation` request(s) answer `error` in the service's protocol. */
  failNext(operation: string, error: InjectedError, options?: FailNextOptions): void;
  /**
   * The next matching `operation` request(s) get a broken answer instead of any AWS answer: the
   * connection reset before or during the body, a malformed body, or a proxy's HTML 502. Checked
   * after latency and hangs, before `failNext` failures.
   */
  breakNext(operation: string, kind: BreakKind, options?: FailNextOptions): void;
  /** Holds matching requests unanswered until `release()` or `close()`. */
  hang(filter: FaultFilter): FakeHang;
  /** Removes latency, queued failures, broken answers and hangs. */
  resetFaults(): void;

  /**
   * Every secret the fake holds or handed out: secret strings, parameter values, trusted
   * web-identity tokens, issued secret keys and session tokens. Tests scan logs for them.
   */
  sensitiveValues(): string[];

  /** Stops the server and drops open connections; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a fake AWS server synchronously (Bun.serve on port 0 by default).
 * Close it with `await fake.close()` or `await using fake = createFakeAws()`.
 */
export function createFakeAws(options: FakeAwsOptions = {}): FakeAws {
  const accountId = options.accountId ?? "111122223333";
  const identity = new IdentityStore(
    accountId,
    options.now ?? Date.now,
    options.defaultSessionDurationSeconds ?? 3600,
  );
  const state: FakeState = {
    identity,
    secretsManager: new SecretsManagerStore(identity),
    ssm: new SsmStore(identity),
    faults: new Faults(),
    calls: [],
  };
  const server = Bun.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    idleTimeout: 0,
    development: false,
    fetch: (request) => handleRequest(state, request),
  });
  const port = server.port ?? 0;
  const url = `http://${options.hostname ?? "127.0.0.1"}:${port}`;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    if (!closing) {
      state.faults.close();
      closing = server.stop(true);
    }
    return closing;
  };

  return {
    url,
    port,
    accountId,
    endpointFor: (region) => `${url}/region/${region}`,
    get calls() {
      return [...state.calls];
    },
    resetCalls: () => {
      state.calls.length = 0;
    },
    trustWebIdentity: (token, trust = {}) => identity.trustWebIdentity(token, trust),
    defineRole: (roleArn, definition = {}) => identity.defineRole(roleArn, definition),
    grant: (roleArn, grant) => identity.grant(roleArn, grant),
    revokeAll: (roleArn) => identity.revokeAll(roleArn),
    issueCredentials: (roleArn, issue = {}) =>
      identity.issue(roleArn, issue.sessionName ?? "fake-session", issue.durationSeconds),
    expireCredentials: (accessKeyId) => identity.expire(accessKeyId),
    putSecret: (region, input) => state.secretsManager.put(region, input),
    denyDecrypt: (region, secretId, deny = {}) =>
      state.secretsManager.denyDecrypt(region, secretId, deny.roleArn),
    putParameter: (region, input) => state.ssm.put(region, input),
    setLatency: (ms, filter = {}) => state.faults.setLatency(ms, filter),
    failNext: (operation, error, fail = {}) =>
      state.faults.failNext(toFilter(operation, fail), error, fail.times ?? 1),
    breakNext: (operation, kind, fail = {}) =>
      state.faults.breakNext(toFilter(operation, fail), kind, fail.times ?? 1),
    hang: (filter) => state.faults.hang(filter),
    resetFaults: () => state.faults.reset(),
    sensitiveValues: () => [
      ...identity.sensitiveValues(),
      ...state.secretsManager.secretStrings(),
      ...state.ssm.values(),
    ],
    close,
    [Symbol.asyncDispose]: close,
  };
}

function toFilter(operation: string, options: FailNextOptions): FaultFilter {
  const filter: FaultFilter = { operation };
  if (options.region !== undefined) filter.region = options.region;
  if (options.service !== undefined) filter.service = options.service;
  return filter;
}
