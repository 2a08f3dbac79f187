import { lstatSync } from "node:fs";
import { Code, ProviderError } from "../errors.ts";

/** Options of {@link checkTargetPath}. */
export interface CheckTargetPathOptions {
  /** `--kubelet-path`: when set, the target must lie under its `pods/` directory. */
  kubeletPath: string | undefined;
  /** The pod's uid from the request attributes; when known, the target must belong to that pod. */
  podUid: string | undefined;
}

/**
 * Where kubelet puts every CSI volume directory, below its root's `pods/`:
 * `<pod uid>/volumes/kubernetes.io~csi/<volume>/mount`.
 */
const volumeUnderPods = "([^/]+)/volumes/kubernetes\\.io~csi/[^/]+/mount$";
/** The same anywhere (the kubelet root unknown), and exactly below a known `pods/` directory. */
const anyKubeletVolume = new RegExp(`/pods/${volumeUnderPods}`);
const kubeletVolume = new RegExp(`^${volumeUnderPods}`);

/**
 * Provider-writes mode (SPEC §6.2): the target must be where kubelet puts a pod's CSI volume, and
 * nothing about it may lead elsewhere. The string must be absolute and canonical (no `.`, `..`,
 * empty elements or trailing `/`), in kubelet's layout for the request's pod, under
 * `<kubeletPath>/pods/` when the flag is set; on disk every component (below the kubelet path when
 * set) must be a real directory, never a symlink, so a planted link cannot redirect the write.
 * @throws ProviderError INVALID_ARGUMENT naming what is wrong with the target
 */
export function checkTargetPath(targetPath: string, options: CheckTargetPathOptions): void {
  const refuse = (problem: string) =>
    new ProviderError(
      Code.InvalidArgument,
      `Invalid MountRequest: target_path "${targetPath.slice(0, 300)}" ${problem}`,
      { reason: "InvalidTargetPath" },
    );
  if (!targetPath.startsWith("/")) throw refuse("is not an absolute path");
  const elements = targetPath.slice(1).split("/");
  if (elements.some((element) => element === "" || element === "." || element === ".."))
    throw refuse('is not canonical: it has an empty, "." or ".." element');
  let podsRoot: string | undefined;
  if (options.kubeletPath !== undefined) {
    podsRoot = `${options.kubeletPath.replace(/\/+$/, "")}/pods/`;
    if (!targetPath.startsWith(podsRoot))
      throw refuse(`is not under "${podsRoot}" (--kubelet-path)`);
  }
  const layout =
    podsRoot === undefined
      ? anyKubeletVolume.exec(targetPath)
      : kubeletVolume.exec(targetPath.slice(podsRoot.length));
  if (!layout) {
    throw refuse(
      "is not a kubelet CSI volume directory (…/pods/<pod uid>/volumes/kubernetes.io~csi/<volume>/mount)",
    );
  }
  if (options.podUid && layout[1] !== options.podUid) {
    throw refuse(
      `belongs to pod uid "${layout[1]}", not to the pod being mounted ("${options.podUid}")`,
    );
  }
  // The operator vouches for --kubelet-path itself (some distributions link it elsewhere); below it,
  // nothing may be a link.
  let current = podsRoot === undefined ? "" : podsRoot.slice(0, -1);
  const below = podsRoot === undefined ? elements : targetPath.slice(podsRoot.length).split("/");
  for (const element of below) {
    current += `/${element}`;
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(current);
    } catch {
      throw refuse(`does not exist: "${current}" is missing`);
    }
    if (stats.isSymbolicLink()) throw refuse(`has a symlinked component "${current}"`);
    if (!stats.isDirectory()) throw refuse(`has a component "${current}" that is not a directory`);
  }
}
