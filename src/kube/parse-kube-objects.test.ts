import { describe, expect, test } from "bun:test";
import { KubeResponseError } from "./kube-errors.ts";
import { parseNode, parsePod, parseServiceAccount } from "./parse-kube-objects.ts";

function expectResponseError(parse: () => unknown, message: string): void {
  let error: unknown;
  try {
    parse();
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(KubeResponseError);
  expect((error as Error).message).toBe(message);
}

describe("parseServiceAccount()", () => {
  test("reads name, namespace and annotations", () => {
    const body = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "sa", namespace: "ns", annotations: { "eks.amazonaws.com/role-arn": "r" } },
    };

    expect(parseServiceAccount(body)).toEqual({
      name: "sa",
      namespace: "ns",
      annotations: { "eks.amazonaws.com/role-arn": "r" },
    });
  });

  test("reads missing or null annotations as none", () => {
    const metadata = { name: "sa", namespace: "ns" };

    expect(parseServiceAccount({ kind: "ServiceAccount", metadata }).annotations).toEqual({});
    expect(
      parseServiceAccount({ kind: "ServiceAccount", metadata: { ...metadata, annotations: null } })
        .annotations,
    ).toEqual({});
  });

  test('keeps a "__proto__" annotation as a plain entry', () => {
    const body = JSON.parse(
      '{"kind":"ServiceAccount","metadata":{"name":"sa","namespace":"ns","annotations":{"__proto__":"x"}}}',
    );

    const { annotations } = parseServiceAccount(body);

    expect(Object.getPrototypeOf(annotations)).toBe(Object.prototype);
    expect(Object.hasOwn(annotations, "__proto__")).toBe(true);
  });

  test("rejects a name that is not a string", () => {
    expectResponseError(
      () => parseServiceAccount({ kind: "ServiceAccount", metadata: { name: 1, namespace: "ns" } }),
      "metadata.name is not a string",
    );
  });
});

describe("parsePod()", () => {
  const metadata = { name: "p", namespace: "ns" };

  test("reads the node and service account", () => {
    const body = { kind: "Pod", metadata, spec: { nodeName: "n1", serviceAccountName: "sa" } };

    expect(parsePod(body)).toEqual({
      name: "p",
      namespace: "ns",
      nodeName: "n1",
      serviceAccountName: "sa",
    });
  });

  test.each([
    ["missing", {}],
    ["empty", { nodeName: "", serviceAccountName: "" }],
    ["null", { nodeName: null, serviceAccountName: null }],
  ])("reads a %s nodeName as unscheduled and serviceAccountName as default", (_, spec) => {
    const pod = parsePod({ kind: "Pod", metadata, spec });

    expect(pod.nodeName).toBeUndefined();
    expect(pod.serviceAccountName).toBe("default");
  });

  test.each([
    ["no spec", { kind: "Pod", metadata }, "spec is not an object"],
    [
      "a nodeName that is not a string",
      { kind: "Pod", metadata, spec: { nodeName: 3 } },
      "spec.nodeName is not a string",
    ],
  ])("rejects %s", (_, body, message) => {
    expectResponseError(() => parsePod(body), message);
  });
});

describe("parseNode()", () => {
  test("reads name and labels", () => {
    const body = {
      kind: "Node",
      metadata: { name: "n1", labels: { "topology.kubernetes.io/region": "eu-west-1" } },
    };

    expect(parseNode(body)).toEqual({
      name: "n1",
      labels: { "topology.kubernetes.io/region": "eu-west-1" },
    });
  });

  test.each([
    ["a body that is not an object", [], "expected a Node object"],
    ["null", null, "expected a Node object"],
    ["another kind", { kind: "Pod", metadata: {} }, 'expected kind "Node", got "Pod"'],
    ["no kind", { metadata: {} }, 'expected kind "Node", got undefined'],
    ["no metadata", { kind: "Node" }, "metadata is not an object"],
    [
      "labels that are not an object",
      { kind: "Node", metadata: { name: "n1", labels: "a" } },
      "metadata.labels is not an object",
    ],
    [
      "a label that is not a string",
      { kind: "Node", metadata: { name: "n1", labels: { a: 1 } } },
      'metadata.labels["a"] is not a string',
    ],
  ])("rejects %s", (_, body, message) => {
    expectResponseError(() => parseNode(body), message);
  });
});
