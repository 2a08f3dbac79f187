import type { FakeAws } from "./fake-aws.ts";

/** Options of {@link createFakePodIdentityAgent}. */
export interface FakePodIdentityAgentOptions {
  /** @default "127.0.0.1" (use "::1" for an IPv6-only agent) */
  hostname?: string;
}

/**
 * A fake EKS Pod Identity agent: `GET /v1/credentials` with `Authorization: <token>` answers the
 * credentials of the role associated with the token, minted by the fake AWS so they sign real
 * requests. It can fail or hang, as a fresh node's agent does.
 */
export interface FakePodIdentityAgent extends AsyncDisposable {
  /** Full credentials URL, e.g. `http://127.0.0.1:PORT/v1/credentials`. */
  readonly url: string;
  readonly port: number;
  /** Tokens seen, in order (for assertions only). */
  readonly requests: readonly { token: string | null; time: number }[];
  /** Associates `token` with `roleArn`. */
  associate(token: string, roleArn: string): void;
  /** The next `times` requests answer HTTP `status`. */
  failNext(status: number, times: number): void;
  /** While true, requests are never answered. */
  setHanging(isHanging: boolean): void;
  close(): Promise<void>;
}

/** Starts a fake Pod Identity agent on a loopback address. */
export function createFakePodIdentityAgent(
  aws: FakeAws,
  options: FakePodIdentityAgentOptions = {},
): FakePodIdentityAgent {
  const roles = new Map<string, string>();
  const requests: { token: string | null; time: number }[] = [];
  let failures: { status: number; times: number } = { status: 500, times: 0 };
  let isHanging = false;
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Bun.serve({
    hostname,
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const token = request.headers.get("authorization");
      requests.push({ token, time: Date.now() });
      if (isHanging) return new Promise<Response>(() => {});
      if (failures.times > 0) {
        failures.times -= 1;
        return Response.json({ message: "agent not ready" }, { status: failures.status });
      }
      if (new URL(request.url).pathname !== "/v1/credentials")
        return new Response("not found", { status: 404 });
      const roleArn = token === null ? undefined : roles.get(token);
      if (roleArn === undefined) {
        return Response.json(
          { code: "AccessDeniedException", message: "no pod identity association for this token" },
          { status: 400 },
        );
      }
      const credentials = aws.issueCredentials(roleArn, { sessionName: "eks-pod-identity" });
      return Response.json({
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken,
        AccountId: aws.accountId,
        Expiration: credentials.expiration.toISOString(),
      });
    },
  });
  const port = server.port ?? 0;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const close = async () => {
    await server.stop(true);
  };
  return {
    url: `http://${host}:${port}/v1/credentials`,
    port,
    requests,
    associate: (token, roleArn) => roles.set(token, roleArn),
    failNext: (status, times) => {
      failures = { status, times };
    },
    setHanging: (value) => {
      isHanging = value;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
