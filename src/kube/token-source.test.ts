import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeTokenFileError } from "./kube-errors.ts";
import { createTokenSource } from "./token-source.ts";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "token-source-"));
  path = join(dir, "token");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the token keeping size and mtime, so only a forced read can see the change. */
function writeUnnoticed(value: string): void {
  writeFileSync(path, value);
  utimesSync(path, 1_700_000_000, 1_700_000_000);
}

describe("createTokenSource()", () => {
  test("reads the token without surrounding whitespace and keeps it redacted", async () => {
    writeFileSync(path, "  token-1\n");

    const token = await createTokenSource(path).read(false);

    expect(token.reveal()).toBe("token-1");
    expect(String(token)).toBe("[redacted]");
  });

  test("keeps the token while the file is unchanged", async () => {
    writeUnnoticed("token-1");
    const source = createTokenSource(path);
    await source.read(false);

    writeUnnoticed("token-2");

    expect((await source.read(false)).reveal()).toBe("token-1");
  });

  test("reads the file again when forced", async () => {
    writeUnnoticed("token-1");
    const source = createTokenSource(path);
    await source.read(false);

    writeUnnoticed("token-2");

    expect((await source.read(true)).reveal()).toBe("token-2");
  });

  test("reads the file again when it changed", async () => {
    writeUnnoticed("token-1");
    const source = createTokenSource(path);
    await source.read(false);

    writeFileSync(path, "token-22");

    expect((await source.read(false)).reveal()).toBe("token-22");
  });

  test.each([
    ["is missing", () => {}, "ENOENT"],
    ["is empty", () => writeFileSync(path, " \n"), "the file is empty"],
  ])("throws KubeTokenFileError naming the file when it %s", async (_, arrange, detail) => {
    arrange();

    const error = await createTokenSource(path)
      .read(false)
      .catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(KubeTokenFileError);
    expect((error as Error).message).toStartWith(
      `cannot read the provider's service account token from "${path}": `,
    );
    expect((error as Error).message).toContain(detail);
    expect((error as Error).message).toEndWith(
      "check --kube-token-file and the token mount of the provider's pod",
    );
  });
});
