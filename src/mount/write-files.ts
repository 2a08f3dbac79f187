import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { Code, ProviderError } from "../errors.ts";
import { checkFilePath } from "../spc/to-file-path.ts";
import { type CheckTargetPathOptions, checkTargetPath } from "./check-target-path.ts";
import type { RenderedFile } from "./render-files.ts";

/**
 * Provider-writes mode (SPEC §6.2): writes every file under `targetPath` so that a reader never sees
 * a partial set. All files go to exclusive temporary names first (O_EXCL | O_NOFOLLOW, exact mode,
 * fsynced), and only when every one is on disk are they renamed into place. On any failure the
 * temporaries are removed and the previous files stay as they were. The target and the paths are
 * checked again here (defence in depth) and no symlink inside the target is ever followed.
 * @throws ProviderError INVALID_ARGUMENT for a bad target or path, INTERNAL when the disk fails
 */
export function writeFiles(
  targetPath: string,
  files: readonly RenderedFile[],
  options: CheckTargetPathOptions,
): void {
  checkTargetPath(targetPath, options);
  for (const file of files) {
    const problem = checkFilePath(file.path);
    if (problem !== undefined) {
      throw new ProviderError(
        Code.InvalidArgument,
        `Refusing to write "${file.path}": ${problem}`,
        {
          reason: "UnsafePath",
        },
      );
    }
  }
  const staged: { temporary: string; final: string }[] = [];
  const createdDirectories: string[] = [];
  try {
    for (const file of files) {
      const final = join(targetPath, file.path);
      ensureDirectories(targetPath, dirname(file.path), createdDirectories);
      refuseDirectory(final, file.path);
      const temporary = join(dirname(final), `.aws-provider-${randomBytes(6).toString("hex")}.tmp`);
      staged.push({ temporary, final });
      writeExclusive(temporary, file.contents.reveal(), file.mode);
    }
    for (const { temporary, final } of staged) renameSync(temporary, final);
  } catch (error) {
    for (const { temporary } of staged) removeQuietly(temporary);
    for (const directory of createdDirectories.reverse()) removeQuietly(directory, true);
    if (error instanceof ProviderError) throw error;
    throw new ProviderError(
      Code.Internal,
      `Cannot write the files into "${targetPath}": ${(error as Error).message}`,
      { reason: "WriteFailed", cause: error },
    );
  }
}

/** Creates the subdirectories of `relative` inside `root`, refusing symlinks and non-directories. */
function ensureDirectories(root: string, relative: string, created: string[]): void {
  if (relative === "." || relative === "") return;
  let current = root;
  for (const part of relative.split("/")) {
    current = join(current, part);
    let stats: ReturnType<typeof lstatSync> | undefined;
    try {
      stats = lstatSync(current);
    } catch {
      stats = undefined;
    }
    if (stats === undefined) {
      mkdirSync(current, { mode: 0o755 });
      created.push(current);
    } else if (!stats.isDirectory()) {
      throw new ProviderError(
        Code.InvalidArgument,
        `Refusing to write under "${current}": it exists and is not a directory (symlinks are never followed)`,
        { reason: "UnsafePath" },
      );
    }
  }
}

function refuseDirectory(final: string, relative: string): void {
  try {
    if (lstatSync(final).isDirectory()) {
      throw new ProviderError(
        Code.InvalidArgument,
        `Cannot write file "${relative}": a directory of that name exists in the target`,
        { reason: "UnsafePath" },
      );
    }
  } catch (error) {
    if (error instanceof ProviderError) throw error;
  }
}

function writeExclusive(path: string, bytes: Uint8Array, mode: number): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset);
    fchmodSync(fd, mode); // the process umask must not narrow the requested mode
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string, isDirectory = false): void {
  try {
    if (isDirectory) rmdirSync(path);
    else unlinkSync(path);
  } catch {
    // Never created, or already gone.
  }
}
