import { describe, expect, test } from "bun:test";
import { readMountLabels } from "./read-mount-labels.ts";

describe("readMountLabels()", () => {
  test("reads pod, namespace, SecretProviderClass and the number of objects", () => {
    const labels = readMountLabels(
      JSON.stringify({
        "csi.storage.k8s.io/pod.name": "web-1",
        "csi.storage.k8s.io/pod.namespace": "shop",
        "csi.storage.k8s.io/serviceAccount.tokens": '{"sts.amazonaws.com":{"token":"t"}}',
        secretProviderClass: "spc",
        objects: "- objectName: a\n- objectName: b\n- {objectName: c}\n",
      }),
    );
    expect(labels).toEqual({
      pod: "web-1",
      namespace: "shop",
      secretProviderClass: "spc",
      objects: 3,
    });
  });

  test.each([
    ["not JSON", "{nope"],
    ["not an object", "[1]"],
    ["objects that are not YAML", JSON.stringify({ objects: "- [" })],
    ["objects that are not a list", JSON.stringify({ objects: "a: b" })],
    [
      "values that are not strings",
      JSON.stringify({ "csi.storage.k8s.io/pod.name": 3, objects: 1 }),
    ],
  ])("leaves fields undefined for %s", (_, json) => {
    const labels = readMountLabels(json);
    expect(labels.pod).toBeUndefined();
    expect(labels.objects).toBeUndefined();
  });
});
