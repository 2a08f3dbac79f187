import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import { readRequest } from "./read-request.ts";

const podAttributes = {
  "csi.storage.k8s.io/pod.name": "web-0",
  "csi.storage.k8s.io/pod.namespace": "shop",
  "csi.storage.k8s.io/pod.uid": "uid-1",
  "csi.storage.k8s.io/serviceAccount.name": "web",
  secretProviderClass: "web-secrets",
};

const request = (
  overrides: Partial<{ attributes: string; permission: string; targetPath: string }> = {},
) => ({
  attributes: JSON.stringify(podAttributes),
  targetPath: "/var/lib/kubelet/pods/uid-1/volumes/x",
  permission: "420",
  currentObjectVersion: [{ id: "a", version: "v1" }],
  ...overrides,
});

function expectInvalid(fn: () => unknown, text: string) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe(Code.InvalidArgument);
    expect((error as ProviderError).message).toContain(text);
    return;
  }
  throw new Error("expected readRequest to throw");
}

describe("readRequest()", () => {
  test("reads pod, permission and SPC name", () => {
    const params = readRequest(request());
    expect(params.pod).toEqual({
      name: "web-0",
      namespace: "shop",
      uid: "uid-1",
      serviceAccountName: "web",
    });
    expect(params.defaultMode).toBe(0o644);
    expect(params.secretProviderClass).toBe("web-secrets");
    expect(params.tokens).toBeUndefined();
  });

  test("keeps the tokens attribute redacted", () => {
    const attributes = {
      ...podAttributes,
      "csi.storage.k8s.io/serviceAccount.tokens": '{"sts.amazonaws.com":{"token":"jwt"}}',
    };
    const params = readRequest(request({ attributes: JSON.stringify(attributes) }));
    expect(String(params.tokens)).toBe("[redacted]");
    expect(params.tokens?.reveal()).toContain("jwt");
  });

  test("rejects attributes that are not JSON", () => {
    expectInvalid(() => readRequest(request({ attributes: "{" })), "attributes is not valid JSON");
  });

  test("takes attributes the server already parsed as they are, and checks them the same", () => {
    // The text is not looked at again: it could not have been parsed.
    const parsed = readRequest({
      ...request({ attributes: "{" }),
      parsedAttributes: podAttributes,
    });
    expect(parsed.pod.name).toBe("web-0");
    expectInvalid(
      () => readRequest({ ...request(), parsedAttributes: [] }),
      "attributes must be a JSON object",
    );
    expectInvalid(
      () => readRequest({ ...request(), parsedAttributes: { secretProviderClass: 1 } }),
      'not for "secretProviderClass"',
    );
  });

  test("rejects attributes that are not an object", () => {
    expectInvalid(
      () => readRequest(request({ attributes: "[]" })),
      "attributes must be a JSON object",
    );
    expectInvalid(
      () => readRequest(request({ attributes: "null" })),
      "attributes must be a JSON object",
    );
  });

  test("rejects non-string attribute values naming the keys", () => {
    expectInvalid(
      () => readRequest(request({ attributes: JSON.stringify({ ...podAttributes, region: 1 }) })),
      'not for "region"',
    );
  });

  test.each(['"420"', "-1", "512", "4.5", "", "0644x"])("rejects permission %p", (permission) => {
    expectInvalid(
      () => readRequest(request({ permission })),
      "permission must be a decimal file mode",
    );
  });

  test("names every missing pod attribute", () => {
    expectInvalid(
      () => readRequest(request({ attributes: "{}" })),
      'attribute "csi.storage.k8s.io/pod.name" is missing; attribute "csi.storage.k8s.io/pod.namespace" is missing',
    );
  });

  test("rejects a request without target_path, as the driver itself would", () => {
    expectInvalid(() => readRequest(request({ targetPath: "" })), "target_path is missing");
  });
});
