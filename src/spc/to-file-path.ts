import { quote } from "./report-problem.ts";
import type { PathTranslation } from "./secret-descriptor.ts";

/** Longest relative path the provider hands out, in UTF-8 bytes (Linux `PATH_MAX`). */
export const maxFilePathBytes = 4096;
/** Longest path element, in UTF-8 bytes (Linux `NAME_MAX`). */
export const maxFileNameBytes = 255;

const encoder = new TextEncoder();

/**
 * Turns an objectName or alias into the file path relative to the pod's volume (SPEC §3.1).
 * `replace` puts its character in place of every `/`; `keep` (pathTranslation `False`) drops the
 * leading `/`s and leaves the inner ones, which then make subdirectories. Aliases take the same
 * translation as names.
 *
 * Parity: provider/secret_descriptor.go GetFileName translates the alias too, so an upstream SPC
 * with `objectAlias: a/b` keeps writing `a_b`. Rejecting `/` in aliases would break drop-in SPCs.
 *
 * The result is not checked: pass it to {@link checkFilePath}.
 */
export function toFilePath(name: string, translation: PathTranslation): string {
  if (translation.kind === "replace") return name.replaceAll("/", translation.with);
  return name.replace(/^\/+/, "");
}

/**
 * Checks a relative file path against every rule of SPEC §3.1: non-empty, relative, no NUL byte,
 * valid Unicode, clean (no empty, `.` or `..` element), no element over 255 bytes, not starting with `..`
 * (the driver's atomic writer keeps `..data` and `..<timestamp>` there), at most 4096 bytes.
 * Returns `undefined` when the path is fine, else what is wrong, starting with `file path "…"`.
 */
export function checkFilePath(path: string): string | undefined {
  const quoted = quote(path);
  if (path === "") return "file path is empty";
  if (path.includes("\0")) return `file path ${quoted} contains a NUL byte`;
  // A lone UTF-16 surrogate (possible through a YAML "\ud800" escape) has no UTF-8 form.
  if (!path.isWellFormed()) return `file path ${quoted} is not valid Unicode`;
  if (path.startsWith("/")) return `file path ${quoted} must be relative, not absolute`;
  const bytes = encoder.encode(path).byteLength;
  if (bytes > maxFilePathBytes) {
    return `file path ${quoted} is ${bytes} bytes long, more than the limit of ${maxFilePathBytes}`;
  }
  const elements = path.split("/");
  if (elements.includes("")) {
    return `file path ${quoted} has an empty element (a doubled or trailing "/")`;
  }
  if (elements.some((element) => element === "." || element === "..")) {
    return `file path ${quoted} has a "." or ".." element`;
  }
  if (path.startsWith("..")) {
    return `file path ${quoted} must not start with "..", which the driver reserves for its own files`;
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only longer elements need encoding.
  const long = elements.find(
    (element) =>
      element.length * 3 > maxFileNameBytes &&
      encoder.encode(element).byteLength > maxFileNameBytes,
  );
  if (long !== undefined) {
    return `file path ${quoted} has an element longer than ${maxFileNameBytes} bytes`;
  }
  return undefined;
}
