import { readFile } from "node:fs/promises";
import { validateManifests } from "./validate-manifests.ts";

/** What {@link runValidate} reads from and writes to; `main.ts` passes the process's. */
export interface ValidateIo {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** Diagnostics, one per line. */
  stdout(text: string): void;
  /** The closing summary. */
  stderr(text: string): void;
}

/** The process's files and streams. */
export const processIo: ValidateIo = {
  readFile: (path) => readFile(path, "utf8"),
  readStdin: () => Bun.stdin.text(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * The `validate FILE…` command (`-` reads stdin, named `<stdin>`): prints
 * `file:line:column: error|warning: message` per finding, then a one-line summary on stderr.
 * A file that cannot be read counts as an error; one without an AWS SecretProviderClass gets a
 * warning.
 * @returns the exit code: 1 when any error was found, else 0
 */
export async function runValidate(files: readonly string[], io: ValidateIo): Promise<number> {
  let errors = 0;
  let warnings = 0;
  let checked = 0;
  const print = (name: string, line: number, column: number, severity: string, message: string) => {
    if (severity === "error") errors += 1;
    else warnings += 1;
    io.stdout(`${name}:${line}:${column}: ${severity}: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  };
  for (const file of files) {
    const name = file === "-" ? "<stdin>" : file;
    let text: string;
    try {
      text = file === "-" ? await io.readStdin() : await io.readFile(file);
    } catch (error) {
      errors += 1;
      io.stdout(`${name}: error: cannot read the file: ${(error as Error).message}\n`);
      continue;
    }
    const report = validateManifests(text);
    checked += report.secretProviderClasses;
    for (const d of report.diagnostics) print(name, d.line, d.column, d.severity, d.message);
    if (
      report.secretProviderClasses === 0 &&
      !report.diagnostics.some((d) => d.severity === "error")
    ) {
      print(name, 1, 1, "warning", 'no SecretProviderClass with spec.provider "aws" in this file');
    }
  }
  const plural = (count: number, word: string) =>
    `${count} ${word}${count === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
  io.stderr(
    `validate: ${plural(checked, "SecretProviderClass")} in ${plural(files.length, "file")}: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`,
  );
  return errors > 0 ? 1 : 0;
}
