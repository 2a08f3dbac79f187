import { describe, expect, test } from "bun:test";
import { readMountLabels } from "./read-mount-labels.ts";

describe("readMountLabels()", () => {
  test("reads pod, namespace and SecretProviderClass, and nothing else", () => {
    const { labels, parsed } = readMountLabels(
      JSON.stringify({
        "csi.storage.k8s.io/pod.name": "web-1",
        "csi.storage.k8s.io/pod.namespace": "shop",
        "csi.storage.k8s.io/serviceAccount.tokens": '{"sts.amazonaws.com":{"token":"t"}}',
        secretProviderClass: "spc",
        objects: "- objectName: a\n",
      }),
    );
    expect(labels).toEqual({ pod: "web-1", namespace: "shop", secretProviderClass: "spc" });
    expect(parsed).toMatchObject({ secretProviderClass: "spc", objects: "- objectName: a\n" });
  });

  test.each([
    ["not JSON", "{nope"],
    ["not an object", "[1]"],
    ["values that are not strings", JSON.stringify({ "csi.storage.k8s.io/pod.name": 3 })],
  ])("leaves fields undefined for %s", (_, json) => {
    expect(readMountLabels(json).labels.pod).toBeUndefined();
  });
});
