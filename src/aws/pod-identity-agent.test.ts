import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { createFakeAws, type FakeAws } from "../../test/fakes/fake-aws.ts";
import {
  createFakePodIdentityAgent,
  type FakePodIdentityAgent,
} from "../../test/fakes/fake-pod-identity-agent.ts";
import { Code, ProviderError } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { createPodIdentityAgentApi } from "./pod-identity-agent.ts";

const roleArn = "arn:aws:iam::111122223333:role/pod-identity-role";
const token = "eyJ.pod-identity.token";
let aws: FakeAws;
let ipv4: FakePodIdentityAgent;
let ipv6: FakePodIdentityAgent;
let closedIpv4Url: string;

beforeAll(async () => {
  aws = createFakeAws();
  ipv4 = createFakePodIdentityAgent(aws);
  ipv6 = createFakePodIdentityAgent(aws, { hostname: "::1" });
  for (const agent of [ipv4, ipv6]) agent.associate(token, roleArn);
  // A port that refuses connections: bind, note it, close.
  const probe = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => probe.once("listening", r));
  const address = probe.address();
  closedIpv4Url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 1}/v1/credentials`;
  await new Promise((r) => probe.close(r));
});

afterAll(async () => {
  await Promise.all([ipv4.close(), ipv6.close(), aws.close()]);
});

const signal = () => AbortSignal.timeout(5000);

describe("createPodIdentityAgentApi()", () => {
  test("sends the token in Authorization and returns the credentials", async () => {
    const agent = createPodIdentityAgentApi({ url: ipv4.url });
    const credentials = await agent.fetchCredentials(new Redacted(token), {
      addressType: "auto",
      signal: signal(),
    });
    expect(credentials.accessKeyId).toStartWith("ASIA");
    expect(credentials.expiration?.getTime()).toBeGreaterThan(Date.now());
    expect(ipv4.requests.at(-1)?.token).toBe(token);
  });

  test("auto falls back to IPv6 when IPv4 cannot connect", async () => {
    const agent = createPodIdentityAgentApi({ urls: { ipv4: closedIpv4Url, ipv6: ipv6.url } });
    const before = ipv6.requests.length;
    const credentials = await agent.fetchCredentials(new Redacted(token), {
      addressType: "auto",
      signal: signal(),
    });
    expect(credentials.accessKeyId).toStartWith("ASIA");
    expect(ipv6.requests.length).toBe(before + 1);
  });

  test("ipv6 goes straight to the IPv6 address", async () => {
    const agent = createPodIdentityAgentApi({ urls: { ipv4: ipv4.url, ipv6: ipv6.url } });
    const before = ipv4.requests.length;
    await agent.fetchCredentials(new Redacted(token), { addressType: "ipv6", signal: signal() });
    expect(ipv4.requests.length).toBe(before);
  });

  test("retries while the agent answers 500", async () => {
    ipv4.failNext(500, 2);
    const agent = createPodIdentityAgentApi({ url: ipv4.url, retryBaseMs: 5 });
    const before = ipv4.requests.length;
    const credentials = await agent.fetchCredentials(new Redacted(token), {
      addressType: "ipv4",
      signal: signal(),
    });
    expect(credentials.accessKeyId).toStartWith("ASIA");
    expect(ipv4.requests.length).toBe(before + 3);
  });

  test("gives up with a clear error when the budget ends before the agent answers", async () => {
    ipv4.setHanging(true);
    try {
      const agent = createPodIdentityAgentApi({ url: ipv4.url, httpTimeoutMs: 50, retryBaseMs: 5 });
      const failure = await agent
        .fetchCredentials(new Redacted(token), {
          addressType: "ipv4",
          signal: AbortSignal.timeout(400),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(failure).toBeInstanceOf(ProviderError);
      expect((failure as ProviderError).code).toBe(Code.Internal);
      expect((failure as ProviderError).message).toContain(
        "Cannot get credentials from the EKS Pod Identity agent",
      );
    } finally {
      ipv4.setHanging(false);
    }
  });

  test("a token without association is refused at once, without retries, and never echoed", async () => {
    const agent = createPodIdentityAgentApi({ url: ipv4.url, retryBaseMs: 5 });
    const before = ipv4.requests.length;
    const failure = await agent
      .fetchCredentials(new Redacted("eyJ.unknown"), { addressType: "ipv4", signal: signal() })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((failure as ProviderError).code).toBe(Code.Unauthenticated);
    expect((failure as ProviderError).message).toContain("no pod identity association");
    expect((failure as ProviderError).message).not.toContain("eyJ.unknown");
    expect(ipv4.requests.length).toBe(before + 1);
  });

  test("a 403 is PERMISSION_DENIED at once, without retries", async () => {
    ipv4.failNext(403, 1);
    const agent = createPodIdentityAgentApi({ url: ipv4.url, retryBaseMs: 5 });
    const before = ipv4.requests.length;
    const failure = await agent
      .fetchCredentials(new Redacted(token), { addressType: "ipv4", signal: signal() })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: Code.PermissionDenied, reason: "PodIdentityRejected" });
    expect((failure as ProviderError).message).toContain("refused the pod's token (HTTP 403)");
    expect(ipv4.requests.length).toBe(before + 1);
  });

  test("giving up names the agent's last answer and the attempts", async () => {
    ipv4.failNext(503, 1000);
    try {
      const agent = createPodIdentityAgentApi({ url: ipv4.url, retryBaseMs: 5 });
      const failure = await agent
        .fetchCredentials(new Redacted(token), {
          addressType: "ipv4",
          signal: AbortSignal.timeout(300),
        })
        .catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: Code.Internal, reason: "PodIdentityAgentUnavailable" });
      expect((failure as ProviderError).message).toMatch(
        /after \d+ attempts in \d+\.\ds: the agent at .* answered HTTP 503/,
      );
    } finally {
      ipv4.failNext(503, 0);
    }
  });

  test("an unreachable agent is given up after retryForMs, well before the mount budget", async () => {
    const agent = createPodIdentityAgentApi({
      url: closedIpv4Url,
      retryBaseMs: 20,
      retryForMs: 300,
    });
    const started = performance.now();
    const failure = await agent
      .fetchCredentials(new Redacted(token), {
        addressType: "ipv4",
        signal: AbortSignal.timeout(60_000),
      })
      .catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(failure).toMatchObject({ code: Code.Internal, reason: "PodIdentityAgentUnavailable" });
    expect((failure as ProviderError).message).toMatch(
      /after \d+ attempts in 0\.\ds: cannot reach/,
    );
  });
});
