import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, isProviderError } from "../errors.ts";
import { checkTargetPath } from "./check-target-path.ts";

const root = mkdtempSync(join(tmpdir(), "check-target-path-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const kubelet = join(root, "kubelet");
const volume = (uid: string, name = "secrets") =>
  join(kubelet, "pods", uid, "volumes", "kubernetes.io~csi", name, "mount");
const target = volume("uid-1");
mkdirSync(target, { recursive: true });

/** The problem checkTargetPath reports, or undefined when it accepts the target. */
function problemOf(path: string, kubeletPath?: string, podUid = "uid-1"): string | undefined {
  try {
    checkTargetPath(path, { kubeletPath, podUid });
    return undefined;
  } catch (error) {
    if (!isProviderError(error) || error.code !== Code.InvalidArgument) throw error;
    return error.message;
  }
}

describe("checkTargetPath()", () => {
  test("accepts the pod's own volume directory, with and without --kubelet-path", () => {
    expect(problemOf(target)).toBeUndefined();
    expect(problemOf(target, kubelet)).toBeUndefined();
    expect(problemOf(target, `${kubelet}/`)).toBeUndefined();
  });

  test.each([
    ["relative/pods/uid-1/volumes/kubernetes.io~csi/s/mount", "is not an absolute path"],
    ["/", "is not canonical"],
    [`${target}/`, "is not canonical"],
    [`${kubelet}//pods/uid-1/volumes/kubernetes.io~csi/secrets/mount`, "is not canonical"],
    [
      `${kubelet}/pods/uid-1/volumes/kubernetes.io~csi/secrets/../secrets/mount`,
      "is not canonical",
    ],
    [`${kubelet}/./pods/uid-1/volumes/kubernetes.io~csi/secrets/mount`, "is not canonical"],
    [join(kubelet, "pods", "uid-1"), "is not a kubelet CSI volume directory"],
    [volume("uid-2"), 'belongs to pod uid "uid-2", not to the pod being mounted ("uid-1")'],
  ])("refuses %p: %s", (path, problem) => {
    expect(problemOf(path)).toContain(problem);
  });

  test("with --kubelet-path, refuses volume directories of another kubelet root", () => {
    const elsewhere = join(
      root,
      "other",
      "pods",
      "uid-1",
      "volumes",
      "kubernetes.io~csi",
      "s",
      "mount",
    );
    mkdirSync(elsewhere, { recursive: true });
    expect(problemOf(elsewhere)).toBeUndefined();
    expect(problemOf(elsewhere, kubelet)).toContain(
      `is not under "${kubelet}/pods/" (--kubelet-path)`,
    );
    // The layout must start right below pods/, not anywhere under it.
    const nested = join(
      kubelet,
      "pods",
      "x",
      "pods",
      "uid-1",
      "volumes",
      "kubernetes.io~csi",
      "s",
      "mount",
    );
    mkdirSync(nested, { recursive: true });
    expect(problemOf(nested, kubelet)).toContain("is not a kubelet CSI volume directory");
  });

  test("refuses a target that does not exist or whose component is a file", () => {
    expect(problemOf(volume("uid-1", "missing"))).toContain("does not exist");
    const fileVolume = join(kubelet, "pods", "uid-1", "volumes", "kubernetes.io~csi", "file");
    writeFileSync(fileVolume, "");
    expect(problemOf(join(fileVolume, "mount"))).toContain("that is not a directory");
  });

  test("refuses a symlink anywhere below the kubelet path, but trusts the kubelet path itself", () => {
    const real = join(root, "real-volume");
    mkdirSync(join(real, "mount"), { recursive: true });
    symlinkSync(real, join(kubelet, "pods", "uid-1", "volumes", "kubernetes.io~csi", "linked"));
    const linked = volume("uid-1", "linked");
    expect(problemOf(linked)).toContain("has a symlinked component");
    expect(problemOf(linked, kubelet)).toContain("has a symlinked component");

    const linkedKubelet = join(root, "kubelet-link");
    symlinkSync(kubelet, linkedKubelet);
    const viaLink = join(
      linkedKubelet,
      "pods",
      "uid-1",
      "volumes",
      "kubernetes.io~csi",
      "secrets",
      "mount",
    );
    expect(problemOf(viaLink)).toContain("has a symlinked component");
    expect(problemOf(viaLink, linkedKubelet)).toBeUndefined();
  });

  test("without a pod uid in the request, any pod's directory in the layout passes", () => {
    expect(problemOf(volume("uid-1"), undefined, "")).toBeUndefined();
  });
});
