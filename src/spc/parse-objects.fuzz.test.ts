import { expect, test } from "bun:test";
import fc from "fast-check";
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

const tokens = [
  "- ",
  "  ",
  "    ",
  "\n",
  "\t",
  ": ",
  ":",
  ",",
  "[",
  "]",
  "{",
  "}",
  "'",
  '"',
  "#",
  "|",
  ">",
  "&a ",
  "*a",
  "<<: ",
  "---",
  "~",
  "null",
  "0600",
  "0o600",
  "!!int ",
  "!x ",
  "\0",
  "é",
  "🔑",
  "..",
  ".",
  "/",
  "\\",
  "objectName: ",
  "ObjectName: ",
  "objectType: ",
  "objectAlias: ",
  "objectVersion: ",
  "objectVersionLabel: ",
  "filePermission: ",
  "jmesPath:",
  "path: ",
  "failoverObject:",
  "secretsmanager",
  "ssmparameter",
  "ssm",
  "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
  "arn:aws:ssm:us-west-2:111122223333:parameter/p",
  "arn:aws:s3:::b",
  "arn:",
  "db/creds",
  '"user-name"',
  "user-name",
  "a[",
  "x".repeat(300),
];

const yamlish = fc.oneof(
  fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((parts) => parts.join("")),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 100 }),
);

/** Mostly one of the valid values, sometimes one of the invalid ones. */
const pick = <T>(valid: T[], invalid: T[]) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constantFrom(...invalid) },
  );
const pathTranslation = pick<string | undefined>(
  [undefined, "", "False", "false", "_", "-", "/", "."],
  ["ab", "\0"],
);
const region = pick<string | undefined>([undefined, "", "us-east-1"], ["bogus"]);
const failoverRegion = pick<string | undefined>([undefined, undefined, "us-west-2"], ["us-east-1"]);

const attributes = (objects: fc.Arbitrary<string>) =>
  fc
    .record({ objects, region, failoverRegion, pathTranslation }, { requiredKeys: ["objects"] })
    .map((record) => {
      const result: Record<string, string> = {};
      for (const [key, value] of Object.entries(record))
        if (value !== undefined) result[key] = value;
      return result;
    });

const junk = fc.constantFrom<unknown>(null, "", ["x"], { x: 1 }, 7, true);
/** Nearly always the value, sometimes junk of the wrong type, rarely absent. */
const mostly = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 20, arbitrary: value },
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
/** Usually absent, else the value (weight 4) or junk (weight 1). */
const rarely = <T>(value: fc.Arbitrary<T>, absentWeight = 8) =>
  fc.oneof(
    { weight: absentWeight, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: value },
    { weight: 1, arbitrary: junk },
  );

// Names from a small alphabet, so that collisions, `.`/`..` elements and empty ones are common.
const name = fc
  .array(fc.constantFrom("a", "b", "c", "d", "e", "/", ".", "-", "é"), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""));
const nameOrArn = fc.oneof(
  { weight: 6, arbitrary: name },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:a/b",
      "arn:aws:ssm:us-east-1:111122223333:parameter/a",
      "arn:aws:ssm:us-west-2:111122223333:parameter/a",
      "arn:aws:secretsmanager:us-east-1:1:secret:a",
    ),
  },
);
const mode = pick(["0600", "0644", "0400", "0777"], ["777", "0800"]);

const object = fc.record({
  objectName: mostly(nameOrArn),
  objectType: mostly(pick(["secretsmanager", "ssmparameter", "SSMParameter"], ["ssm", "vault"])),
  objectAlias: rarely(name),
  objectVersion: rarely(fc.constantFrom("1", "2", "v1")),
  objectVersionLabel: rarely(fc.constantFrom("AWSCURRENT", "prod")),
  filePermission: rarely(mode),
  jmesPath: rarely(
    fc.array(
      fc.record({
        path: mostly(pick(["a", '"user-name"', "[0]"], ["user-name", "a["])),
        objectAlias: mostly(name),
        filePermission: rarely(mode),
      }),
      { maxLength: 3 },
    ),
  ),
  failoverObject: rarely(
    fc.record({ objectName: mostly(nameOrArn), objectVersion: rarely(fc.constantFrom("1", "2")) }),
    40,
  ),
});
// JSON is YAML, so structured lists go through the same parser.
const objectList = fc.array(object, { maxLength: 5 }).map((list) => JSON.stringify(list));

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
