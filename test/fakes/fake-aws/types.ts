/** Services the fake answers; also the IAM action prefixes and SigV4 signing names. */
export type FakeService = "sts" | "secretsmanager" | "ssm";

/** Options of `createFakeAws()`. */
export interface FakeAwsOptions {
  /** Account that owns every secret, parameter and role ARN the fake mints. Default `111122223333`. */
  accountId?: string;
  /** Port to listen on; default 0 (an ephemeral port). */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  hostname?: string;
  /** Lifetime of issued credentials when the STS call gives no `DurationSeconds`. Default 3600. */
  defaultSessionDurationSeconds?: number;
  /** Clock in epoch milliseconds for credential expiry and timestamps. Default `Date.now`. */
  now?: () => number;
}

/** Temporary credentials the fake issued (and will accept in signatures). */
export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** Role the credentials act as. */
  roleArn: string;
  sessionName: string;
}

/** What a web-identity token may do; see `FakeAws.trustWebIdentity`. */
export interface WebIdentityTrust {
  /** Roles the token may assume; omitted = any role. */
  roleArns?: readonly string[];
  /** STS answers `ExpiredTokenException` for this token. */
  expired?: boolean;
  /** `SubjectFromWebIdentityToken` in the answer. Default `system:serviceaccount:default:default`. */
  subject?: string;
}

/** Trust of a role that is the target of `AssumeRole`; see `FakeAws.defineRole`. */
export interface RoleDefinition {
  /** Required `ExternalId`; omitted = none required. */
  externalId?: string;
  /** Role ARNs whose sessions may assume this role; omitted = any. */
  trustedPrincipals?: readonly string[];
  /** Upper bound of `DurationSeconds`. Default 3600 (role chaining caps at one hour anyway). */
  maxSessionDurationSeconds?: number;
}

/** One identity-based permission of a role. */
export interface FakeGrant {
  service: "secretsmanager" | "ssm";
  /** Secret/parameter name or ARN; `*` matches any run of characters (`"*"` = everything). */
  resource: string;
  /** Actions without service prefix (`GetSecretValue`); omitted = every action of the service. */
  actions?: readonly string[];
}

/** Input of `FakeAws.putSecret`. */
export interface PutSecretInput {
  name: string;
  secretString?: string;
  secretBinary?: Uint8Array;
  /** Default: a random UUID. Reusing an existing version id throws. */
  versionId?: string;
  /** Default `["AWSCURRENT"]`; labels move here from older versions (AWSCURRENT leaves AWSPREVIOUS). */
  versionStages?: readonly string[];
}

/** What `FakeAws.putSecret` created. */
export interface PutSecretResult {
  arn: string;
  name: string;
  versionId: string;
}

/** SSM parameter types. */
export type ParameterType = "String" | "StringList" | "SecureString";

/** Input of `FakeAws.putParameter`. */
export interface PutParameterInput {
  name: string;
  type: ParameterType;
  value: string;
  /** Labels for the new version; a label moves here from any older version. */
  labels?: readonly string[];
}

/** What `FakeAws.putParameter` created. */
export interface PutParameterResult {
  arn: string;
  name: string;
  version: number;
}

/** An AWS error to inject with `FakeAws.failNext`. */
export interface InjectedError {
  status: number;
  code: string;
  message: string;
}

/** Selects requests for fault injection; omitted fields match anything. */
export interface FaultFilter {
  region?: string;
  service?: FakeService;
  operation?: string;
}

/** One request the fake received, recorded before it was answered. */
export interface RecordedCall {
  service: FakeService;
  operation: string;
  /** Credential-scope region; for unsigned STS calls the region of `endpointFor()`, if used. */
  region: string | undefined;
  /** Access key of the signature, even when it was rejected. */
  accessKeyId: string | undefined;
  /** Role acted as: the signer's role, or the requested role of `AssumeRoleWithWebIdentity`. */
  roleArn: string | undefined;
  /** Session of the signer, or the requested `RoleSessionName` of `AssumeRoleWithWebIdentity`. */
  sessionName: string | undefined;
  /** Token presented to `AssumeRoleWithWebIdentity`. */
  webIdentityToken: string | undefined;
  /** Copy of the request parameters (JSON body or STS form fields). */
  input: unknown;
  time: Date;
  /** HTTP status of the answer; 0 while pending. */
  status: number;
  /** Error code of the answer, if it was an error. */
  errorCode: string | undefined;
}
