import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../helpers/driver-client.ts";
import {
  filesOf,
  type ProviderMode,
  startTestBed,
  type TestBed,
  type Workload,
} from "../helpers/test-bed.ts";

/**
 * SPEC §5.3 "a cache hit needs proof", as a hostile or broken caller of the socket would test it:
 * once a ServiceAccount's credentials (and values) are cached, a Mount that claims that
 * ServiceAccount but presents a token that does not prove it must not be served from the caches.
 * It goes to STS (or the Pod Identity agent), which judges the token as upstream's every Mount
 * does. Both the provider in this process and the compiled binary.
 */
const region = "us-east-1";
const secret = "proof-db-secret-value";
const objects = "- {objectName: proof/db, objectType: secretsmanager}";
const irsa = { region, objects };
const podIdentity = { region, objects, usePodIdentity: "true" };

describe.each(["in-process", "binary"] as const satisfies ProviderMode[])("provider %s", (mode) => {
  let bed: TestBed;
  let accounts = 0;

  beforeAll(async () => {
    bed = await startTestBed({ mode });
    bed.aws.putSecret(region, { name: "proof/db", secretString: secret });
  });
  afterAll(() => bed.stop());

  const count = (operation: string) =>
    bed.aws.calls.filter((call) => call.operation === operation).length;
  /** A new ServiceAccount allowed to read the secret, mounted once so its data is cached. */
  async function cachedWorkload(options: { podIdentity?: boolean } = {}): Promise<Workload> {
    accounts += 1;
    const workload = bed.workload({
      namespace: "proof",
      serviceAccount: `sa-${accounts}`,
      ...options,
    });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "proof/*" });
    const first = await bed.mount(workload, {
      parameters: options.podIdentity ? podIdentity : irsa,
    });
    expect(filesOf(first)[0]?.text).toBe(secret);
    return workload;
  }

  /** A Mount of `workload`'s pod presenting `token` instead of its own. */
  const mountWith = (workload: Workload, token: string, audience = "sts.amazonaws.com") =>
    bed.mount(workload, {
      tokens: { [audience]: token },
      parameters: audience === "sts.amazonaws.com" ? irsa : podIdentity,
    });

  test("a valid token of the same ServiceAccount (another pod) is a cache hit: no STS call", async () => {
    const workload = await cachedWorkload();
    const sibling = bed.kube.mintToken({
      namespace: workload.pod.namespace,
      serviceAccount: workload.pod.serviceAccountName,
      audience: "sts.amazonaws.com",
      podName: "sibling-pod",
    });
    bed.aws.resetCalls();
    const response = await mountWith(workload, sibling);
    expect(filesOf(response)[0]?.text).toBe(secret);
    expect(bed.aws.calls).toHaveLength(0);
  });

  test.each([
    ["garbage", () => "garbage-token", status.UNAUTHENTICATED],
    ["a JWT with alg none", () => noneToken(), status.UNAUTHENTICATED],
    [
      "another ServiceAccount's token",
      (bed: TestBed) => bed.workload({ namespace: "proof", serviceAccount: "intruder" }).token,
      status.PERMISSION_DENIED,
    ],
  ] as const)(
    "after a good Mount, %s goes to STS, which refuses it",
    async (_name, forge, code) => {
      const workload = await cachedWorkload();
      const token = forge(bed);
      bed.aws.resetCalls();
      const error = await grpcError(mountWith(workload, token));
      expect(error.code).toBe(code);
      expect(error.details).not.toContain(secret);
      const exchanges = bed.aws.calls.filter((c) => c.operation === "AssumeRoleWithWebIdentity");
      expect(exchanges.map((c) => c.webIdentityToken)).toEqual([token]);
      expect(count("GetSecretValue")).toBe(0);
    },
  );

  test.each([
    [
      "an expired token",
      { expiresInSeconds: -600 },
      // STS knows the token and says it expired.
      { expired: true },
      status.UNAUTHENTICATED,
    ],
    [
      "a token for the Pod Identity audience",
      { audience: "pods.eks.amazonaws.com" },
      undefined,
      status.UNAUTHENTICATED,
    ],
    [
      "a token signed by an unpublished key",
      { key: "unpublished" as const },
      undefined,
      status.UNAUTHENTICATED,
    ],
    [
      "a token of another issuer",
      { issuer: "https://oidc.example" },
      undefined,
      status.UNAUTHENTICATED,
    ],
  ])(
    "after a good Mount, %s of the same ServiceAccount goes to STS",
    async (_name, mint, trust, code) => {
      const workload = await cachedWorkload();
      const token = bed.kube.mintToken({
        namespace: workload.pod.namespace,
        serviceAccount: workload.pod.serviceAccountName,
        audience: "sts.amazonaws.com",
        ...mint,
      });
      if (trust !== undefined)
        bed.aws.trustWebIdentity(token, { roleArns: [workload.roleArn], ...trust });
      bed.aws.resetCalls();
      const error = await grpcError(mountWith(workload, token));
      expect(error.code).toBe(code);
      expect(error.details).not.toContain(secret);
      expect(count("AssumeRoleWithWebIdentity")).toBe(1);
      expect(count("GetSecretValue")).toBe(0);
      // The good token still gets the cache.
      bed.aws.resetCalls();
      expect(filesOf(await bed.mount(workload, { parameters: irsa }))[0]?.text).toBe(secret);
      expect(bed.aws.calls).toHaveLength(0);
    },
  );

  test("a bad token never joins a proven exchange in flight: STS judges it on its own", async () => {
    accounts += 1;
    const workload = bed.workload({ namespace: "proof", serviceAccount: `sa-${accounts}` });
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "proof/*" });
    bed.aws.resetCalls();
    // Slow STS, so that both Mounts are in flight together.
    bed.aws.setLatency(300, { operation: "AssumeRoleWithWebIdentity" });
    try {
      const [good, bad] = await Promise.allSettled([
        bed.mount(workload, { parameters: irsa }),
        Bun.sleep(50).then(() => mountWith(workload, "garbage-token")),
      ]);
      expect(good.status === "fulfilled" && filesOf(good.value)[0]?.text).toBe(secret);
      expect(bad.status).toBe("rejected");
      expect(count("AssumeRoleWithWebIdentity")).toBe(2);
    } finally {
      bed.aws.setLatency(0, { operation: "AssumeRoleWithWebIdentity" });
    }
  });

  describe("EKS Pod Identity", () => {
    test("a valid token is a cache hit; another ServiceAccount's or garbage goes to the agent", async () => {
      const workload = await cachedWorkload({ podIdentity: true });
      const agentCalls = () => bed.agent.requests.length;
      const before = agentCalls();
      expect(filesOf(await bed.mount(workload, { parameters: podIdentity }))[0]?.text).toBe(secret);
      expect(agentCalls()).toBe(before);

      // The intruder's own role may not read the secret: the agent answers for the intruder.
      const intruder = bed.workload({
        namespace: "proof",
        serviceAccount: "pi-intruder",
        podIdentity: true,
      });
      const denied = await grpcError(mountWith(workload, intruder.token, "pods.eks.amazonaws.com"));
      expect(denied.code).toBe(status.PERMISSION_DENIED);
      expect(denied.details).not.toContain(secret);
      const garbage = await grpcError(mountWith(workload, "garbage", "pods.eks.amazonaws.com"));
      expect(garbage.details).not.toContain(secret);
      expect(bed.agent.requests.slice(before).map((r) => r.token)).toEqual([
        intruder.token,
        "garbage",
      ]);

      // Nothing of the intruder's went into the ServiceAccount's cache entries.
      bed.aws.resetCalls();
      expect(filesOf(await bed.mount(workload, { parameters: podIdentity }))[0]?.text).toBe(secret);
      expect(bed.aws.calls).toHaveLength(0);
      expect(agentCalls()).toBe(before + 2);
    });
  });
});

describe.each(["in-process", "binary"] as const satisfies ProviderMode[])(
  "key rotation, provider %s",
  (mode) => {
    // A bed of its own: a made-up kid elsewhere would use up the one re-read per 30 s.
    let bed: TestBed;
    let workload: Workload;
    beforeAll(async () => {
      bed = await startTestBed({ mode });
      bed.aws.putSecret(region, { name: "proof/db", secretString: secret });
      workload = bed.workload({ namespace: "proof", serviceAccount: "rotating" });
      bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "proof/*" });
      expect(filesOf(await bed.mount(workload, { parameters: irsa }))[0]?.text).toBe(secret);
    });
    afterAll(() => bed.stop());

    const keySetReads = () => bed.kube.requests.filter((r) => r.path === "/openid/v1/jwks").length;
    const mintFor = (options: { key?: "unpublished"; kid?: string } = {}) =>
      bed.kube.mintToken({
        namespace: workload.pod.namespace,
        serviceAccount: workload.pod.serviceAccountName,
        audience: "sts.amazonaws.com",
        ...options,
      });
    const mountWith = (token: string) =>
      bed.mount(workload, { tokens: { "sts.amazonaws.com": token }, parameters: irsa });

    test("a new signing key is followed: its kid reads the key set once and is a cache hit", async () => {
      bed.kube.rotateSigningKey({ algorithm: "ES256" });
      const rotated = mintFor();
      const readsBefore = keySetReads();
      bed.aws.resetCalls();
      expect(filesOf(await mountWith(rotated))[0]?.text).toBe(secret);
      expect(bed.aws.calls).toHaveLength(0);
      expect(keySetReads()).toBe(readsBefore + 1);
    });

    test("a flood of made-up key ids reads the key set at most once more", async () => {
      const readsBefore = keySetReads();
      bed.aws.resetCalls();
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          mountWith(mintFor({ key: "unpublished", kid: `made-up-${i}-${crypto.randomUUID()}` })),
        ),
      );
      expect(results.every((r) => r.status === "rejected")).toBe(true);
      // Each went to STS, which refused it. The key set is re-read for an unknown kid at most once
      // per 30 s, and the rotation above has just used this interval's re-read.
      expect(bed.aws.calls.filter((c) => c.operation === "AssumeRoleWithWebIdentity")).toHaveLength(
        60,
      );
      expect(keySetReads() - readsBefore).toBeLessThanOrEqual(1);
    });

    test("a rotation right after the flood still mounts, through STS until the next re-read", async () => {
      bed.kube.rotateSigningKey();
      const rotated = mintFor();
      bed.aws.trustWebIdentity(rotated, { roleArns: [workload.roleArn] });
      bed.aws.resetCalls();
      expect(filesOf(await mountWith(rotated))[0]?.text).toBe(secret);
      expect(bed.aws.calls.map((c) => c.operation)).toEqual([
        "AssumeRoleWithWebIdentity",
        "GetSecretValue",
      ]);
    });
  },
);

describe("the issuer's key set unavailable", () => {
  test.each(["in-process", "binary"] as const)(
    "%s: every Mount still works through STS, one exchange and one read per Mount",
    async (mode) => {
      await using bed = await startTestBed({ mode });
      bed.aws.putSecret(region, { name: "proof/db", secretString: secret });
      // As when the provider's ClusterRole lacks the non-resource URL.
      bed.kube.setForbidden("/openid/v1/jwks");
      const workload = bed.workload({ namespace: "proof", serviceAccount: "no-keys" });
      bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "proof/*" });
      for (let i = 0; i < 3; i++) {
        expect(filesOf(await bed.mount(workload, { parameters: irsa }))[0]?.text).toBe(secret);
      }
      const operations = bed.aws.calls.map((call) => call.operation);
      expect(operations.filter((op) => op === "AssumeRoleWithWebIdentity")).toHaveLength(3);
      // Values are not served to an unproven identity either.
      expect(operations.filter((op) => op === "GetSecretValue")).toHaveLength(3);
      // Read once, then retried at most every 30 s: one warning, not one per Mount.
      expect(bed.kube.requests.filter((r) => r.path === "/openid/v1/jwks")).toHaveLength(1);
      const warnings = bed
        .output()
        .split("\n")
        .filter((line) => line.includes("Cannot read the service account issuer's keys"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        'needs \\"get\\" on the non-resource URL \\"/openid/v1/jwks\\"',
      );
    },
  );
});

/** An unsigned token claiming any ServiceAccount. */
function noneToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ sub: "system:serviceaccount:proof:sa-1", aud: ["sts.amazonaws.com"], exp: 4e9 })}.`;
}
