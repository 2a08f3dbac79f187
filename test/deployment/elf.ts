/** Reading the architecture of an executable from its ELF header. */
import { closeSync, openSync, readSync } from "node:fs";

/** `e_machine` values of the architectures this project ships. */
const machines: Record<number, string> = { 62: "x86-64", 183: "aarch64" };

/**
 * The architecture of a 64-bit little-endian ELF executable: `x86-64`, `aarch64`, or
 * `unknown (<e_machine>)`.
 * @throws Error when the file is not a 64-bit little-endian ELF executable
 */
export function elfMachine(path: string): string {
  const header = Buffer.alloc(20);
  const fd = openSync(path, "r");
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  if (header[4] !== 2 || header[5] !== 1) throw new Error(`${path} is not 64-bit little-endian`);
  if (header.readUInt16LE(16) !== 2) throw new Error(`${path} is not an executable (ET_EXEC)`);
  const machine = header.readUInt16LE(18);
  return machines[machine] ?? `unknown (${machine})`;
}
