import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Diagnostic, validateManifests } from "./validate-manifests.ts";

/** What a path names, for {@link ValidateIo}. */
export type PathKind = "file" | "directory" | "other";

/** What {@link runValidate} reads from and writes to; `main.ts` passes the process's. */
export interface ValidateIo {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** What `path` names, following symlinks. @throws when it does not exist */
  kindOf(path: string): Promise<PathKind>;
  /** The entries of a directory; a symlink counts as what it points to, a symlinked directory as "other". */
  readDirectory(path: string): Promise<{ name: string; kind: PathKind }[]>;
  /** Diagnostics, one per line, or the JSON report. */
  stdout(text: string): void;
  /** The closing summary. */
  stderr(text: string): void;
}

/** The process's files and streams. */
export const processIo: ValidateIo = {
  readFile: (path) => readFile(path, "utf8"),
  readStdin: () => Bun.stdin.text(),
  kindOf: async (path) => toKind(await stat(path)),
  readDirectory: async (path) => {
    const entries = await readdir(path, { withFileTypes: true });
    return Promise.all(
      entries.map(async (entry) => ({ name: entry.name, kind: await entryKind(path, entry) })),
    );
  },
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function toKind(stats: { isFile(): boolean; isDirectory(): boolean }): PathKind {
  return stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
}

async function entryKind(directory: string, entry: Dirent): Promise<PathKind> {
  if (!entry.isSymbolicLink()) return toKind(entry);
  // Symlinked directories are not walked, so a link loop cannot make the walk endless.
  const target = await stat(join(directory, entry.name)).catch(() => undefined);
  return target?.isFile() ? "file" : "other";
}

/** Options of {@link runValidate}. */
export interface ValidateOptions {
  io: ValidateIo;
  /** Warnings fail too (exit 1), for CI. @default false */
  strict?: boolean;
  /** `text`: `file:line:column: severity: message` lines; `json`: one report object. @default "text" */
  output?: "text" | "json";
}

/** One finding of the JSON report: a {@link Diagnostic} and the file it is in. */
export interface ReportedDiagnostic extends Partial<Diagnostic> {
  file: string;
  severity: Diagnostic["severity"];
  message: string;
}

/** The `--output json` report. */
export interface ValidateReport {
  /** Every file read, in order (directories expanded). */
  files: string[];
  secretProviderClasses: number;
  errors: number;
  warnings: number;
  /** Whether the exit code is 0. */
  passed: boolean;
  diagnostics: ReportedDiagnostic[];
}

/** Manifest files a directory walk picks up. */
const manifestExtensions = [".yaml", ".yml"];

/**
 * The `validate PATH…` command. A path is a file, `-` (stdin, named `<stdin>`) or a directory,
 * searched recursively for `*.yaml` and `*.yml` files (entries starting with `.` are skipped).
 * Every AWS SecretProviderClass in them, alone or in a list such as `kubectl get … -o yaml`
 * prints, is checked; each finding is printed as `file:line:column: error|warning: message`, or
 * all of them as one JSON {@link ValidateReport}, then a one-line summary goes to stderr.
 * A path that cannot be read counts as an error; a file named on the command line, or a
 * directory, without any AWS SecretProviderClass gets a warning.
 * @returns the exit code: 1 when any error was found (or any warning, with `strict`), else 0
 */
export async function runValidate(
  paths: readonly string[],
  options: ValidateOptions,
): Promise<number> {
  const { io } = options;
  const report: ValidateReport = {
    files: [],
    secretProviderClasses: 0,
    errors: 0,
    warnings: 0,
    passed: true,
    diagnostics: [],
  };
  const add = (diagnostic: ReportedDiagnostic) => {
    if (diagnostic.severity === "error") report.errors += 1;
    else report.warnings += 1;
    report.diagnostics.push(diagnostic);
  };
  const noSpc = (file: string, what: string): ReportedDiagnostic => ({
    file,
    line: 1,
    column: 1,
    severity: "warning",
    message: `no SecretProviderClass with spec.provider "aws" in this ${what}`,
  });
  /** Checks one file; returns how many SPCs it held, or undefined when it had an error. */
  const checkFile = async (path: string): Promise<number | undefined> => {
    const name = path === "-" ? "<stdin>" : path;
    report.files.push(name);
    let text: string;
    try {
      text = path === "-" ? await io.readStdin() : await io.readFile(path);
    } catch (error) {
      add({ file: name, severity: "error", message: `cannot read the file: ${messageOf(error)}` });
      return undefined;
    }
    const found = validateManifests(text);
    report.secretProviderClasses += found.secretProviderClasses;
    for (const diagnostic of found.diagnostics) add({ file: name, ...diagnostic });
    return found.diagnostics.some((d) => d.severity === "error")
      ? undefined
      : found.secretProviderClasses;
  };

  for (const path of paths) {
    const kind = path === "-" ? "file" : await io.kindOf(path).catch(() => "file" as const);
    if (kind !== "directory") {
      if ((await checkFile(path)) === 0) add(noSpc(path === "-" ? "<stdin>" : path, "file"));
      continue;
    }
    const before = report.secretProviderClasses;
    const errorsBefore = report.errors;
    for (const file of await findManifests(path, io, add)) await checkFile(file);
    if (report.secretProviderClasses === before && report.errors === errorsBefore)
      add(noSpc(path, "directory"));
  }

  report.passed = report.errors === 0 && !(options.strict && report.warnings > 0);
  if (options.output === "json") {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const d of report.diagnostics) {
      const at = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column}`;
      io.stdout(`${at}: ${d.severity}: ${d.message.replace(/\s*\n\s*/g, " ")}\n`);
    }
  }
  const plural = (count: number, word: string) =>
    `${count} ${word}${count === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
  io.stderr(
    `validate: ${plural(report.secretProviderClasses, "SecretProviderClass")} in ${plural(report.files.length, "file")}: ${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}${options.strict && report.errors === 0 && report.warnings > 0 ? " (--strict: warnings fail)" : ""}\n`,
  );
  return report.passed ? 0 : 1;
}

/** The `*.yaml` and `*.yml` files under `directory`, depth first, sorted by name. */
async function findManifests(
  directory: string,
  io: ValidateIo,
  add: (diagnostic: ReportedDiagnostic) => void,
): Promise<string[]> {
  let entries: { name: string; kind: PathKind }[];
  try {
    entries = await io.readDirectory(directory);
  } catch (error) {
    add({
      file: directory,
      severity: "error",
      message: `cannot read the directory: ${messageOf(error)}`,
    });
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(directory, entry.name);
    if (entry.kind === "directory") files.push(...(await findManifests(path, io, add)));
    else if (entry.kind === "file" && manifestExtensions.some((ext) => entry.name.endsWith(ext)))
      files.push(path);
  }
  return files;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
