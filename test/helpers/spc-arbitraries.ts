import fc from "fast-check";

// Generators of SecretProviderClass attributes: the fuzz tests of the SPC rules and
// scripts/compare-spc-rules.ts (a differential run against an earlier revision) share them.

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

/** Text that is often almost YAML: the parser's edge cases. */
export const yamlish = fc.oneof(
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

/** SPC parameters around an `objects` text. */
export const attributes = (objects: fc.Arbitrary<string>) =>
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
/** `objects` lists of random entries, as JSON (which is YAML). */
export const objectList = fc.array(object, { maxLength: 5 }).map((list) => JSON.stringify(list));

// `objects` YAML in the shapes SecretProviderClasses are written in: what `parseSimpleYaml` reads
// without the YAML library (most of it; the rest is invalid YAML), and mutations of it.
const letters = fc.constantFrom("a", "B", "z", "_", "/", "x", "Q");
const tail = fc.constantFrom("a", "9", "-", "_", ".", "/", "@", "+", "=", "K");
const plain = fc
  .tuple(letters, fc.array(tail, { maxLength: 8 }), fc.constantFrom("", " word", ":x", ":aws:ssm"))
  .map(([first, rest, suffix]) => first + rest.join("") + suffix);
const flowPlain = fc
  .tuple(letters, fc.array(tail, { maxLength: 8 }), fc.constantFrom("", " word"))
  .map(([first, rest, suffix]) => first + rest.join("") + suffix);
const quotedText = fc
  .array(fc.constantFrom("a", " ", "#", ":", ", ", "é", "🔑", "{", "]", "''", "-", "0", "\\"), {
    maxLength: 6,
  })
  .map((parts) => parts.join(""));
const single = quotedText.map((text) => `'${text.replaceAll("''", "'").replaceAll("'", "''")}'`);
const double = quotedText.map((text) => `"${text.replaceAll("\\", "").replaceAll('"', "")}"`);
const key = fc.constantFrom(
  "objectName",
  "objectType",
  "objectAlias",
  "ObjectVersionLabel",
  "filePermission",
  "path",
  "objectname",
  '"objectAlias"',
  "'objectType'",
  "unknownField",
);
const comment = fc.constantFrom("", "", " # note", "   #: x");
const blockScalar = fc.oneof(plain, single, double);
const flowScalar = fc.oneof(flowPlain, single, double);
const flowMap = fc
  .array(fc.tuple(key, flowScalar), { minLength: 1, maxLength: 4 })
  .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`);
const flowList = fc
  .array(fc.oneof(flowScalar, flowMap), { minLength: 1, maxLength: 3 })
  .map((items) => `[${items.join(", ")}]`);

/**
 * A block map whose keys stand in column `indent`; a list item overwrites the start of its first
 * line with the item's `- ` lead.
 */
const blockMap = (depth: number): fc.Arbitrary<(indent: number) => string[]> =>
  fc
    .array(
      fc.tuple(
        key,
        depth > 1
          ? fc.oneof(
              { weight: 4, arbitrary: blockScalar.map((v) => ({ kind: "scalar" as const, v })) },
              { weight: 1, arbitrary: flowMap.map((v) => ({ kind: "scalar" as const, v })) },
              { weight: 1, arbitrary: flowList.map((v) => ({ kind: "scalar" as const, v })) },
              {
                weight: 1,
                arbitrary: blockList(depth - 1).map((v) => ({ kind: "list" as const, v })),
              },
              {
                weight: 1,
                arbitrary: blockMap(depth - 1).map((v) => ({ kind: "map" as const, v })),
              },
            )
          : blockScalar.map((v) => ({ kind: "scalar" as const, v })),
        comment,
        fc.constantFrom(0, 0, 1, 2),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((pairs) => (indent: number) => {
      const lines: string[] = [];
      for (const [name, value, note, extra] of pairs) {
        if (value.kind === "scalar") lines.push(`${" ".repeat(indent)}${name}: ${value.v}${note}`);
        else {
          lines.push(`${" ".repeat(indent)}${name}:${note}`);
          // A list may stand in its key's column; a map must be indented further.
          lines.push(...value.v(indent + (value.kind === "map" ? 1 + extra : extra)));
        }
      }
      return lines;
    });

const blockList = (depth: number): fc.Arbitrary<(indent: number) => string[]> =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 4, arbitrary: blockMap(depth).map((v) => ({ kind: "map" as const, v })) },
          { weight: 1, arbitrary: flowMap.map((v) => ({ kind: "scalar" as const, v })) },
          { weight: 1, arbitrary: blockScalar.map((v) => ({ kind: "scalar" as const, v })) },
        ),
        fc.constantFrom(1, 1, 1, 3),
        fc.constantFrom("", "", "\n", "\n# between\n"),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((items) => (indent: number) => {
      const lines: string[] = [];
      for (const [item, spaces, gap] of items) {
        const lead = `${" ".repeat(indent)}-${" ".repeat(spaces)}`;
        if (item.kind === "scalar") lines.push(`${lead}${item.v}`);
        else {
          const [first = "", ...rest] = item.v(lead.length);
          lines.push(`${lead}${first.slice(lead.length)}`, ...rest);
        }
        if (gap !== "") lines.push(gap.slice(1, -1));
      }
      return lines;
    });

export const simpleYaml = fc
  .tuple(blockList(3), fc.constantFrom(0, 0, 2), fc.constantFrom("", "\n", "# head\n", "\n\n"))
  .map(([list, indent, head]) => `${head}${list(indent).join("\n")}\n`);

/** Edits that take a document out of the subset, or just to its edges. */
export const mutatedSimpleYaml = fc
  .tuple(
    simpleYaml,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.constantFrom(
          " ",
          "  ",
          "\t",
          ":",
          ": ",
          "-",
          "- ",
          "#",
          " #",
          "'",
          '"',
          "\\",
          ",",
          "{",
          "}",
          "[",
          "]",
          "\n",
          "\n  ",
          "&a ",
          "*a",
          "!t ",
          "<<: ",
          "0",
          "null",
          "true",
          "~",
          "|",
          "---\n",
          "",
        ),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([document, edits]) => {
    let text = document;
    for (const [at, remove, insert] of edits) {
      const position = at % (text.length + 1);
      text = text.slice(0, position) + insert + text.slice(position + remove);
    }
    return text;
  });
