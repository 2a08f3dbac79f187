import { readFile, stat } from "node:fs/promises";
import { toErrorMessage } from "../errors.ts";
import { Redacted } from "../redacted.ts";
import { KubeTokenFileError } from "./kube-errors.ts";

/** The provider's own bearer token for the API server. */
export interface TokenSource {
  /**
   * Returns the token, reading the file again when it changed since the last read, or always when
   * `isForced` (after a 401: a rewrite may keep size, inode and mtime).
   * @throws KubeTokenFileError when the file cannot be read or is empty
   */
  read(isForced: boolean): Promise<Redacted<string>>;
}

/**
 * Reads the bearer token from `path`, again whenever the file's identity changes. `stat` follows
 * symlinks, so kubelet's swap of the `..data` symlink shows up as a new inode and mtime.
 */
export function createTokenSource(path: string): TokenSource {
  let cached: { key: string; token: Redacted<string> } | undefined;
  return {
    async read(isForced) {
      try {
        const info = await stat(path);
        const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
        if (!isForced && cached?.key === key) return cached.token;
        const token = (await readFile(path, "utf8")).trim();
        if (token === "") throw new Error("the file is empty");
        cached = { key, token: new Redacted(token) };
        return cached.token;
      } catch (error) {
        throw new KubeTokenFileError(
          `cannot read the provider's service account token from "${path}": ${toErrorMessage(error)}; ` +
            "check --kube-token-file and the token mount of the provider's pod",
          { cause: error },
        );
      }
    },
  };
}
