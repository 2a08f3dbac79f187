/** Temporary AWS credentials of one pod identity. Always carried inside a `Redacted`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  /** When they stop working; undefined means "unknown" (treated as short-lived by caches). */
  expiration: Date | undefined;
}
