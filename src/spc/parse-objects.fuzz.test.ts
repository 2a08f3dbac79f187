import { expect, test } from "bun:test";
import fc from "fast-check";
import { attributes, objectList, yamlish } from "../../test/helpers/spc-arbitraries.ts";
import { Code, ProviderError } from "../errors.ts";
import { readSpc } from "./read-spc.ts";
import { checkFilePath } from "./to-file-path.ts";

/** Options of {@link checkReadSpcProperties}. */
export interface FuzzOptions {
  /** Runs per property. */
  numRuns: number;
  /** fast-check seed; fixed so that a failure reproduces. */
  seed: number;
}

function checkOutcome(input: Record<string, string>): void {
  let spc: ReturnType<typeof readSpc>;
  try {
    spc = readSpc(input, { defaultMode: 0o644, awsRegion: "us-east-1" });
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message.length).toBeGreaterThan(0);
    return;
  }
  const paths = spc.descriptors.flatMap((d) => [
    d.filePath,
    ...d.jmesPath.map((entry) => entry.filePath),
  ]);
  for (const path of paths) expect(checkFilePath(path)).toBeUndefined();
  expect(new Set(paths).size).toBe(paths.length);
  const files = new Set(paths);
  for (const path of paths) {
    const elements = path.split("/");
    for (let i = 1; i < elements.length; i++)
      expect(files.has(elements.slice(0, i).join("/"))).toBe(false);
  }
  for (const d of spc.descriptors) {
    expect(d.mode).toBeGreaterThanOrEqual(0);
    expect(d.mode).toBeLessThanOrEqual(0o777);
  }
}

/**
 * The fuzz properties of `readSpc`: any input either validates into clean, collision-free paths or
 * throws ProviderError INVALID_ARGUMENT, never anything else. `make soak` runs this file with a
 * large `FUZZ_RUNS` (`FUZZ_RUNS=100000 bun test src/spc/parse-objects.fuzz.test.ts`) or calls
 * {@link checkReadSpcProperties} from its own test file.
 */
export const readSpcProperties = {
  yamlishText: fc.property(attributes(yamlish), checkOutcome),
  objectLists: fc.property(attributes(objectList), checkOutcome),
};

/** Runs every property of {@link readSpcProperties}. */
export function checkReadSpcProperties({ numRuns, seed }: FuzzOptions): void {
  for (const property of Object.values(readSpcProperties)) fc.assert(property, { numRuns, seed });
}

const numRuns = Number(process.env["FUZZ_RUNS"] ?? "") || 500;

test("readSpc() only returns clean unique paths or throws INVALID_ARGUMENT, on YAML-ish text", () => {
  fc.assert(readSpcProperties.yamlishText, { numRuns, seed: 20_240_601 });
});

test("readSpc() only returns clean unique paths or throws INVALID_ARGUMENT, on random object lists", () => {
  fc.assert(readSpcProperties.objectLists, { numRuns, seed: 20_240_602 });
});

test("the object-list generator reaches valid SPCs often enough to exercise the path checks", () => {
  let valid = 0;
  fc.assert(
    fc.property(attributes(objectList), (input) => {
      try {
        readSpc(input, { defaultMode: 0o644, awsRegion: "us-east-1" });
        valid++;
      } catch {
        // Invalid inputs are the other property's business.
      }
    }),
    { numRuns, seed: 20_240_602 },
  );
  expect(valid).toBeGreaterThan(numRuns / 20);
});
