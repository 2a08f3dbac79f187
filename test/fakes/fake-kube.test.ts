import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeKube, type FakeKube } from "./fake-kube.ts";

describe("createFakeKube()", () => {
  let fake: FakeKube;
  const get = (path: string, token = "fake-kube-token") =>
    fetch(`${fake.url}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
      tls: { ca: fake.caPem },
    });

  beforeEach(async () => {
    fake = await createFakeKube();
  });
  afterEach(async () => {
    await fake.close();
  });

  test("serves seeded objects in Kubernetes shapes over HTTPS verified by its CA", async () => {
    fake.putServiceAccount("ns", "sa", { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" });
    fake.putPod("ns", "p", { nodeName: "n1", serviceAccountName: "sa" });
    fake.putNode("n1", { "topology.kubernetes.io/region": "eu-west-1" });

    const serviceAccount = await (await get("/api/v1/namespaces/ns/serviceaccounts/sa")).json();
    const pod = await (await get("/api/v1/namespaces/ns/pods/p")).json();
    const node = await (await get("/api/v1/nodes/n1")).json();

    expect(serviceAccount).toMatchObject({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "sa",
        namespace: "ns",
        annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" },
      },
    });
    expect(pod).toMatchObject({ kind: "Pod", spec: { nodeName: "n1", serviceAccountName: "sa" } });
    expect(node).toMatchObject({
      kind: "Node",
      metadata: { labels: { "topology.kubernetes.io/region": "eu-west-1" } },
    });
  });

  test("answers 401 to a token rotated out by setValidTokens", async () => {
    fake.putNode("n1");
    fake.setValidTokens(["new-token"]);

    const old = await get("/api/v1/nodes/n1");
    const current = await get("/api/v1/nodes/n1", "new-token");

    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    expect(current.status).toBe(200);
    expect(fake.requests.map((request) => request.token)).toEqual(["fake-kube-token", "new-token"]);
  });

  test("serves the issuer's discovery document and key set, and mints tokens they verify", async () => {
    const discovery = await (await get("/.well-known/openid-configuration")).json();
    expect(discovery).toMatchObject({
      issuer: fake.issuer,
      // As on EKS: the advertised key set lives outside the cluster.
      jwks_uri: `${fake.issuer}/keys`,
    });
    const keys = await fetch(`${fake.url}/openid/v1/jwks`, {
      headers: { Authorization: "Bearer fake-kube-token", Accept: "application/jwk-set+json" },
      tls: { ca: fake.caPem },
    });
    expect(keys.headers.get("content-type")).toBe("application/jwk-set+json");
    const keySet = (await keys.json()) as { keys: Record<string, unknown>[] };
    expect(keySet.keys.map((key) => key["kid"])).toEqual(fake.issuerKeyIds());

    const token = fake.mintToken({
      namespace: "ns",
      serviceAccount: "sa",
      audience: "sts.amazonaws.com",
    });
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
    expect(header).toEqual({ alg: "RS256", kid: fake.issuerKeyIds()[0] });
    expect(payload).toMatchObject({
      iss: fake.issuer,
      sub: "system:serviceaccount:ns:sa",
      aud: ["sts.amazonaws.com"],
    });
    expect(fake.sensitiveValues()).toContain(token);
  });

  test("answers 406 to a key set request that does not accept application/jwk-set+json", async () => {
    const response = await fetch(`${fake.url}/openid/v1/jwks`, {
      headers: { Authorization: "Bearer fake-kube-token", Accept: "application/json" },
      tls: { ca: fake.caPem },
    });
    expect(response.status).toBe(406);
  });

  test("rotates its signing key, keeping or dropping the previous ones", () => {
    const [first] = fake.issuerKeyIds();
    fake.rotateSigningKey({ algorithm: "ES256" });
    expect(fake.issuerKeyIds()).toHaveLength(2);
    expect(fake.issuerKeyIds()[0]).toBe(first);
    fake.rotateSigningKey({ dropPrevious: true });
    expect(fake.issuerKeyIds()).toHaveLength(1);
    expect(fake.issuerKeyIds()).not.toContain(first);
  });

  test("answers 403 or 503 for non-resource URLs when told", async () => {
    fake.setForbidden("/.well-known/openid-configuration");
    fake.setUnavailable("/openid/v1/jwks");
    expect((await get("/.well-known/openid-configuration")).status).toBe(403);
    expect((await get("/openid/v1/jwks")).status).toBe(503);
  });

  test("answers Forbidden and NotFound with Status objects", async () => {
    fake.setForbidden("serviceaccounts");

    const forbidden = await get("/api/v1/namespaces/ns/serviceaccounts/sa");
    const missing = await get("/api/v1/nodes/n1");

    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Forbidden",
      code: 403,
      message: expect.stringContaining('cannot get resource "serviceaccounts" in API group ""'),
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      reason: "NotFound",
      message: 'nodes "n1" not found',
    });
  });

  test("fails the next requests with failNext", async () => {
    fake.putNode("n1");
    fake.failNext(503, 2);

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get("/api/v1/nodes/n1")).status);

    expect(statuses).toEqual([503, 503, 200]);
  });

  test("writes the client's token and CA files", () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-kube-"));
    try {
      const files = fake.writeClientFiles(dir);
      expect(readFileSync(files.tokenFile, "utf8")).toBe("fake-kube-token");
      expect(readFileSync(files.caFile, "utf8")).toBe(fake.caPem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
