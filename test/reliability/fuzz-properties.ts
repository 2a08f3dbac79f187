/**
 * Fuzz properties of the request-facing parsers and of the mount pipeline as a whole, shared by
 * the fixed-seed tests in `fuzz-*.test.ts` and by `scripts/soak.ts` (which runs them at
 * `FUZZ_RUNS`). Checks throw plain errors, so they run outside `bun test` too.
 */
import { posix } from "node:path";
import fc from "fast-check";
import * as jmespath from "jmespath";
import { Code, isProviderError, type ProviderError } from "../../src/errors.ts";
import { readRequest } from "../../src/mount/read-request.ts";
import { renderFiles } from "../../src/mount/render-files.ts";
import { Redacted } from "../../src/redacted.ts";
import { compileJmesPath, type JmesExpression } from "../../src/spc/jmes/compile-jmes-path.ts";
import { JmesError } from "../../src/spc/jmes/jmes-error.ts";
import { parseArn } from "../../src/spc/parse-arn.ts";
import { readSpc } from "../../src/spc/read-spc.ts";
import type { PathTranslation, SecretDescriptor } from "../../src/spc/secret-descriptor.ts";
import { checkFilePath, toFilePath } from "../../src/spc/to-file-path.ts";
import type { TestBed } from "../helpers/test-bed.ts";

/**
 * How often each property reached each outcome, so tests can check that the generators exercise
 * both sides (a property whose inputs are all refused proves nothing) and the soak can report it.
 */
export const fuzzStats = {
  pathsAccepted: 0,
  pathsRefused: 0,
  permissionsAccepted: 0,
  permissionsRefused: 0,
  jmesRendered: 0,
  jmesRefused: 0,
  requestsAccepted: 0,
  requestsRefused: 0,
  mounted: 0,
  /** Failed mounts by code. */
  failed: {} as Record<string, number>,
};

/** Throws when `condition` is false; fast-check reports the input that made it so. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Checks `error` is a ProviderError with one of `codes` and a non-empty message; returns it. */
export function checkProviderError(error: unknown, codes: readonly Code[]): ProviderError {
  if (!isProviderError(error)) {
    throw new Error(`threw something other than ProviderError: ${String(error)}`, {
      cause: error,
    });
  }
  check(codes.includes(error.code), `unexpected code ${error.code}: ${error.message}`);
  check(error.message.trim().length > 0, "empty error message");
  return error;
}

// ---------------------------------------------------------------------------------------------
// File paths

const encoder = new TextEncoder();

/**
 * An independent statement of the SPEC §3.1 path rules: true when `path` may be handed to the
 * driver (and written under a target directory) without escaping it or clashing with its files.
 */
export function isSafeRelativePath(path: string): boolean {
  if (path === "" || path.includes("\0") || !path.isWellFormed()) return false;
  if (posix.isAbsolute(path) || path.startsWith("..")) return false;
  if (encoder.encode(path).byteLength > 4096) return false;
  const elements = path.split("/");
  if (elements.some((e) => e === "" || e === "." || e === ".." || encoder.encode(e).length > 255))
    return false;
  // Clean and contained: normalising changes nothing and resolving stays under the target.
  return posix.normalize(path) === path && posix.resolve("/target", path).startsWith("/target/");
}

/** Path-ish names: separators, dots and unicode are common, so every rule gets exercised. */
export const pathName = fc.oneof(
  fc
    .array(
      fc.constantFrom("a", "b", "/", ".", "..", "-", "_", "é", "🔑", "\0", "\\", " ", "\ud800"),
      { maxLength: 12 },
    )
    .map((parts) => parts.join("")),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("a".repeat(255), "a".repeat(256), `${"a/".repeat(2047)}a`, "é".repeat(128)),
);

const translation: fc.Arbitrary<PathTranslation> = fc.oneof(
  fc.constant<PathTranslation>({ kind: "keep" }),
  fc
    .oneof(fc.constantFrom("_", "-", "/", ".", "\0"), fc.string({ minLength: 1, maxLength: 1 }))
    .map((character): PathTranslation => ({ kind: "replace", with: character })),
);

/** toFilePath never throws and checkFilePath agrees exactly with {@link isSafeRelativePath}. */
export const filePathProperty = fc.property(pathName, translation, (name, how) => {
  const path = toFilePath(name, how);
  if (how.kind === "replace" && how.with !== "/") check(!path.includes("/"), "a '/' survived");
  if (how.kind === "keep") check(!path.startsWith("/") && name.endsWith(path), "bad keep");
  const problem = checkFilePath(path);
  const safe = isSafeRelativePath(path);
  check(
    (problem === undefined) === safe,
    `checkFilePath(${JSON.stringify(path)}) = ${JSON.stringify(problem)} but the rules say ${safe ? "safe" : "unsafe"}`,
  );
  if (problem !== undefined) check(problem.startsWith("file path"), `odd message: ${problem}`);
  if (safe) fuzzStats.pathsAccepted++;
  else fuzzStats.pathsRefused++;
});

// ---------------------------------------------------------------------------------------------
// ARNs

const arnPart = fc.oneof(
  fc.constantFrom("arn", "aws", "aws-cn", "secretsmanager", "ssm", "us-east-1", "111122223333", ""),
  fc.string({ maxLength: 8 }),
);
const arnText = fc.oneof(
  fc.array(arnPart, { maxLength: 9 }).map((parts) => parts.join(":")),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc
    .array(fc.constantFrom("arn", ":", "a", "/", "secret", "é"), { maxLength: 20 })
    .map((p) => p.join("")),
);
const noColon = fc.string({ maxLength: 12 }).filter((s) => !s.includes(":"));

/** parseArn never throws; what it accepts reassembles into the input, with the required parts. */
export const arnTextProperty = fc.property(arnText, (text) => {
  const arn = parseArn(text);
  if (arn === undefined) return;
  const { partition, service, region, accountId, resource } = arn;
  check(
    `arn:${partition}:${service}:${region}:${accountId}:${resource}` === text,
    "does not reassemble",
  );
  check(partition !== "" && service !== "" && resource !== "", "an empty required part");
  check(![partition, service, region, accountId].some((p) => p.includes(":")), "':' in a part");
});

/** Every well-formed ARN parses back into exactly its parts. */
export const arnPartsProperty = fc.property(
  noColon.filter((s) => s !== ""),
  noColon.filter((s) => s !== ""),
  noColon,
  noColon,
  fc.string({ minLength: 1, maxLength: 30 }),
  (partition, service, region, accountId, resource) => {
    const arn = parseArn(`arn:${partition}:${service}:${region}:${accountId}:${resource}`);
    check(arn !== undefined, "a well-formed ARN was refused");
    check(
      arn.partition === partition &&
        arn.service === service &&
        arn.region === region &&
        arn.accountId === accountId &&
        arn.resource === resource,
      `parts differ: ${JSON.stringify(arn)}`,
    );
  },
);

// ---------------------------------------------------------------------------------------------
// permission

/** Pod attributes kubelet always sends, so that only `permission` can be wrong. */
const podAttributes = JSON.stringify({
  "csi.storage.k8s.io/pod.name": "p",
  "csi.storage.k8s.io/pod.namespace": "n",
  "csi.storage.k8s.io/serviceAccount.name": "s",
});

const permissionText = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom(
    "420",
    "0644",
    "0o644",
    "0x1a4",
    "4.2e2",
    "420.0",
    "420.5",
    "-0",
    "511",
    "512",
    "1e400",
    " 420 ",
    "420\n",
    "",
    "null",
    "true",
    '"420"',
    "[420]",
    "NaN",
    "Infinity",
    "٤٢٠",
  ),
  fc.double().map(String),
  fc.string({ maxLength: 10 }),
);

/** `permission` becomes an integer mode 0–0777 equal to its JSON value, or INVALID_ARGUMENT. */
export const permissionProperty = fc.property(permissionText, (text) => {
  let mode: number;
  try {
    mode = readRequest({
      attributes: podAttributes,
      permission: text,
      targetPath: "/t",
    }).defaultMode;
  } catch (error) {
    const problem = checkProviderError(error, [Code.InvalidArgument]);
    check(problem.message.includes("permission"), "the message does not name permission");
    fuzzStats.permissionsRefused++;
    return;
  }
  fuzzStats.permissionsAccepted++;
  check(Number.isInteger(mode) && mode >= 0 && mode <= 0o777, `mode ${mode} out of range`);
  check(mode === Number(JSON.parse(text)), `mode ${mode} is not the JSON value of ${text}`);
});

// ---------------------------------------------------------------------------------------------
// JMES paths over JSON values (renderFiles)

/** String leaves of the fuzzed documents start with this; no generated expression contains it. */
export const valueMarker = "Sv3cr3t";
const jsonKey = fc.constantFrom("a", "b", "user-name", "n", "", "é");
const leaf = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => `${valueMarker}${s}`),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const jsonDocument = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(jsonKey, tie("value"), { maxKeys: 4 }),
  ),
})).value;
const jmesToken = fc.constantFrom(
  "a",
  "b",
  '"user-name"',
  "user-name",
  "n",
  ".",
  "[0]",
  "[-1]",
  "[*]",
  "[]",
  "[?a]",
  "|",
  "@",
  "&",
  "`1`",
  "'x'",
  "length(@)",
  "keys(@)",
  "to_string(@)",
  "join(',', @)",
  "sort(@)",
  "max(@)",
  "abs(@)",
  "{x: a}",
  "(",
  ")",
  "==",
  "!",
  "&&",
  "||",
  ":",
  " ",
  "é",
);
const jmesExpression = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(jmesToken, { minLength: 1, maxLength: 8 }).map((t) => t.join("")),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Every string leaf of `value` (what a leak check looks for). */
function stringLeaves(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringLeaves(item, into);
  else if (value !== null && typeof value === "object")
    for (const item of Object.values(value)) stringLeaves(item, into);
  return into;
}

function libraryRefuses(path: string): boolean {
  try {
    (jmespath as unknown as { compile: (text: string) => unknown }).compile(path);
    return false;
  } catch {
    return true;
  }
}

function descriptorWith(paths: readonly string[]): SecretDescriptor | undefined {
  const expressions: JmesExpression[] = [];
  for (const path of paths) {
    try {
      expressions.push(compileJmesPath(path));
    } catch (error) {
      // SPC validation refuses it, as jmespath.js's parser does; only valid paths reach renderFiles.
      check(error instanceof JmesError && error.kind === "invalid", `compile threw ${error}`);
      check(libraryRefuses(path), `${JSON.stringify(path)} parses in jmespath.js but was refused`);
      return undefined;
    }
  }
  return {
    index: 0,
    objectType: "secretsmanager",
    objectName: "doc",
    objectAlias: undefined,
    objectVersion: undefined,
    objectVersionLabel: undefined,
    filePath: "doc",
    mode: 0o600,
    jmesPath: expressions.map((expression, i) => ({
      path: expression.text,
      expression,
      filePath: `f${i}`,
      mode: 0o640,
    })),
    failoverObject: undefined,
  };
}

/**
 * renderFiles either extracts exactly what jmespath selects, as strings, or fails INVALID_ARGUMENT
 * with a message that never quotes a value of the document.
 */
export const jmesProperty = fc.property(
  fc.oneof(
    { weight: 5, arbitrary: jsonDocument.map((doc) => JSON.stringify(doc)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => `${valueMarker}${s}`) },
  ),
  fc.array(jmesExpression, { minLength: 1, maxLength: 3 }),
  (text, paths) => {
    const bytes = new Redacted(encoder.encode(text));
    const descriptor = descriptorWith(paths);
    if (descriptor === undefined) {
      fuzzStats.jmesRefused++;
      return;
    }
    let rendered: ReturnType<typeof renderFiles>;
    try {
      rendered = renderFiles([{ descriptor, bytes, version: "v1", region: "us-east-1" }]);
    } catch (error) {
      const problem = checkProviderError(error, [Code.InvalidArgument]);
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch {
        document = text;
      }
      for (const value of stringLeaves(document)) {
        check(
          value.length <= valueMarker.length || !problem.message.includes(value),
          `the error quotes a value of the document: ${problem.message}`,
        );
      }
      fuzzStats.jmesRefused++;
      return;
    }
    fuzzStats.jmesRendered++;
    const document: unknown = JSON.parse(text);
    check(
      rendered.files.length === paths.length + 1,
      "one file per jmesPath entry plus the object",
    );
    check(
      rendered.objectVersions.every((v) => v.version === "v1"),
      "a JMES file lost the version",
    );
    paths.forEach((path, i) => {
      const file = rendered.files[i + 1];
      check(file !== undefined && file.path === `f${i}` && file.mode === 0o640, "wrong file");
      const expected = jmespath.search(document as never, path);
      check(typeof expected === "string", "a non-string selection was rendered");
      check(new TextDecoder().decode(file.contents.reveal()) === expected, "wrong contents");
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Whole MountRequest attributes

/** Keys that trip naive code handling parsed JSON as a plain object. */
export const pollutionKeys = [
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "valueOf",
  "__defineGetter__",
];

/** A 1 MiB value (built once): big inputs must be refused or handled, never crash anything. */
export const hugeString = "x".repeat(1024 * 1024);

const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(null, 0, -1, true, [], {}, [""], { a: {} }),
);
/** An attribute value: mostly a string, sometimes any JSON value (the wrong type). */
const attributeValue = (value: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 80, arbitrary: value },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant<unknown>(undefined) },
  );

/** The world the handler fuzz runs in: names that exist in the fakes, and one trusted token. */
export interface FuzzWorld {
  region: string;
  namespace: string;
  serviceAccount: string;
  /** `serviceAccount.tokens` value carrying the workload's trusted IRSA and Pod Identity tokens. */
  tokens: string;
  /** Secrets Manager names that exist (one holds a JSON document with `user`/`pass`/`n`). */
  secrets: readonly string[];
  /** SSM parameter names that exist. */
  parameters: readonly string[];
}

const tokensJunk = fc.oneof(
  fc.constantFrom(
    "",
    "not json",
    "null",
    "[]",
    '{"sts.amazonaws.com":"bare-string"}',
    '{"sts.amazonaws.com":{"token":5}}',
    '{"other-audience":{"token":"x","expirationTimestamp":"2030-01-01T00:00:00Z"}}',
    '{"sts.amazonaws.com":{"token":"eyJ.untrusted","expirationTimestamp":"2030-01-01T00:00:00Z"}}',
  ),
  fc.json({ maxDepth: 2 }),
);

/** SPC objects: mostly structured (as JSON, which is YAML), from names that exist and some that do not. */
function objectsText(world: FuzzWorld) {
  const alias = fc
    .array(fc.constantFrom("a", "b", "/", ".", "..", "é", "-"), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(""));
  const maybe = <T>(value: fc.Arbitrary<T>, absentWeight = 12) =>
    fc.oneof(
      { weight: absentWeight, arbitrary: fc.constant(undefined) },
      { weight: 8, arbitrary: value },
      { weight: 1, arbitrary: anyJson },
    );
  /** Mostly one of `usual`, sometimes one of `unusual`. */
  const mostly = <T>(usual: readonly T[], unusual: readonly T[]) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...usual) },
      { weight: 1, arbitrary: fc.constantFrom(...unusual) },
    );
  const secret = fc.record({
    objectName: mostly(world.secrets, [
      "missing/secret",
      `arn:aws:secretsmanager:${world.region}:111122223333:secret:nope`,
    ]),
    objectType: mostly(["secretsmanager"], ["SecretsManager", "ssmparameter"]),
    objectAlias: maybe(alias),
    objectVersionLabel: maybe(mostly(["AWSCURRENT"], ["AWSPREVIOUS", "nope"])),
    filePermission: maybe(mostly(["0600", "0644", "0400", "0777"], ["0800", "600"])),
    jmesPath: maybe(
      fc.array(
        fc.record({
          path: mostly(["user", "pass", '"user"'], ["n", "missing", "[0]", "a["]),
          objectAlias: alias,
          filePermission: maybe(fc.constantFrom("0400", "0640")),
        }),
        { maxLength: 3 },
      ),
      24,
    ),
  });
  const parameter = fc.record({
    objectName: mostly(world.parameters, ["/missing/param"]),
    objectType: fc.constant("ssmparameter"),
    objectAlias: maybe(alias),
    objectVersion: maybe(mostly(["1", "2"], ["3", "x"])),
  });
  const clean = (entry: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined));
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .array(fc.oneof({ weight: 2, arbitrary: secret }, { weight: 1, arbitrary: parameter }), {
          minLength: 1,
          maxLength: 3,
        })
        .map((list) => JSON.stringify(list.map(clean))),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constantFrom("", "[]", "- objectName: x", "{a: [", "- &a [*a]") },
  );
}

/** A MountRequest as fuzzed: raw fields plus whether it is malformed at the envelope level. */
export interface FuzzedRequest {
  attributes: string;
  permission: string;
  targetPath: string;
  currentObjectVersion: { id: string; version: string }[];
  /** True when `readRequest` must refuse it: bad JSON, a non-string value, a pod key missing, bad permission. */
  isMalformed: boolean;
}

/** Joins entries into a JSON object text as written, so `__proto__` and duplicates stay keys. */
function toJsonObject(entries: readonly (readonly [string, unknown])[]): string {
  return `{${entries
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join(",")}}`;
}

const requiredPodKeys = [
  "csi.storage.k8s.io/pod.name",
  "csi.storage.k8s.io/pod.namespace",
  "csi.storage.k8s.io/serviceAccount.name",
];

/** Whether `readRequest` must refuse these raw fields (an oracle independent of its code). */
function isMalformedRequest(attributes: string, permission: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(attributes);
  } catch {
    return true;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return true;
  const record = parsed as Record<string, unknown>;
  if (Object.values(record).some((value) => typeof value !== "string")) return true;
  if (requiredPodKeys.some((key) => !Object.hasOwn(record, key) || record[key] === "")) return true;
  let mode: unknown;
  try {
    mode = JSON.parse(permission);
  } catch {
    return true;
  }
  return typeof mode !== "number" || !Number.isInteger(mode) || mode < 0 || mode > 0o777;
}

/**
 * Whole MountRequests for `world`: mostly plausible (so that many mount), with wrong types, junk
 * tokens, prototype-pollution keys, unicode, huge values, and now and then no JSON at all.
 */
export function mountRequest(world: FuzzWorld): fc.Arbitrary<FuzzedRequest> {
  /** `wide` fuzzes every attribute; otherwise only objects and extra keys vary (more mounts). */
  const entries = (wide: boolean) => {
    const pick = (usual: string, others: readonly string[]): fc.Arbitrary<unknown> =>
      wide
        ? attributeValue(fc.constantFrom(usual, usual, usual, usual, ...others))
        : fc.constant(usual);
    return fc
      .record({
        name: pick("app-pod", ["", "é🔑"]),
        namespace: pick(world.namespace, ["other"]),
        serviceAccount: pick(world.serviceAccount, ["ghost"]),
        tokens: wide
          ? fc.oneof(
              { weight: 8, arbitrary: fc.constant(world.tokens) },
              { weight: 1, arbitrary: tokensJunk },
            )
          : fc.constant(world.tokens),
        objects: wide ? attributeValue(objectsText(world)) : objectsText(world),
        region: pick(world.region, ["eu-west-1", "mars-1", ""]),
        usePodIdentity: pick("false", ["true", "yes"]),
        pathTranslation: wide
          ? attributeValue(fc.constantFrom("_", "False", "-", "ab", "/"))
          : fc.constantFrom("_", "False", "-"),
        extra: fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...pollutionKeys), fc.string({ maxLength: 10 })),
            wide
              ? fc.oneof(
                  { weight: 12, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
                  { weight: 1, arbitrary: anyJson },
                  { weight: 1, arbitrary: fc.constant(hugeString) },
                )
              : fc.string({ unit: "grapheme", maxLength: 20 }),
          ),
          { maxLength: 2 },
        ),
        optional: fc.nat(3),
      })
      .map((r) => {
        const list: [string, unknown][] = [
          ["csi.storage.k8s.io/pod.name", r.name],
          ["csi.storage.k8s.io/pod.namespace", r.namespace],
          ["csi.storage.k8s.io/pod.uid", "0d7a3c1e-5b2f-4f1a-9c8e-2b9f6a1d3e4f"],
          ["csi.storage.k8s.io/serviceAccount.name", r.serviceAccount],
          ["csi.storage.k8s.io/serviceAccount.tokens", r.tokens],
          ["csi.storage.k8s.io/ephemeral", "false"],
          ["secretProviderClass", "fuzz-spc"],
          ["objects", r.objects],
          ["region", r.region],
        ];
        if (r.optional === 0) list.push(["usePodIdentity", r.usePodIdentity]);
        if (r.optional === 1) list.push(["pathTranslation", r.pathTranslation]);
        // Extra keys first and last: before and after the keys they might shadow.
        return toJsonObject([...r.extra, ...list, ...r.extra.slice(0, 1)]);
      });
  };
  const attributes = fc.oneof(
    { weight: 15, arbitrary: entries(true) },
    { weight: 15, arbitrary: entries(false) },
    // Cut short, or not an object at all.
    {
      weight: 1,
      arbitrary: entries(true).chain((text) => fc.nat(text.length).map((n) => text.slice(0, n))),
    },
    { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  );
  return fc
    .record({
      attributes,
      permission: fc.oneof(
        { weight: 10, arbitrary: fc.constant("420") },
        { weight: 1, arbitrary: permissionText },
      ),
      targetPath: fc.constantFrom("/var/lib/kubelet/pods/x/volumes/m", "", "relative", "/../.."),
      currentObjectVersion: fc.array(
        fc.record({ id: fc.string({ maxLength: 8 }), version: fc.string({ maxLength: 8 }) }),
        { maxLength: 2 },
      ),
    })
    .map((r) => ({ ...r, isMalformed: isMalformedRequest(r.attributes, r.permission) }));
}

/** The worlds' default: what `seedFuzzWorld` in the tests creates. */
export const defaultWorld: FuzzWorld = {
  region: "us-east-1",
  namespace: "fuzz",
  serviceAccount: "app",
  tokens: "",
  secrets: ["plain", "json", "dir/name", "bin"],
  parameters: ["/p/one", "p2"],
};

/**
 * Checks a successful mount: at least one ObjectVersion, one per file with the file's path as id,
 * every path passes checkFilePath (and the independent rules), no two collide, no file is also a
 * directory, every mode is within 0–0777.
 */
export function checkMountResult(result: {
  files: readonly { path: string; mode: number }[];
  objectVersions: readonly { id: string; version: string }[];
}): void {
  check(result.objectVersions.length > 0, "no ObjectVersion");
  const paths = result.files.map((f) => f.path);
  check(
    JSON.stringify(result.objectVersions.map((v) => v.id)) === JSON.stringify(paths),
    "ObjectVersion ids are not the file paths",
  );
  for (const file of result.files) {
    check(checkFilePath(file.path) === undefined, `bad path ${JSON.stringify(file.path)}`);
    check(isSafeRelativePath(file.path), `unsafe path ${JSON.stringify(file.path)}`);
    check(Number.isInteger(file.mode) && file.mode >= 0 && file.mode <= 0o777, "bad mode");
  }
  const unique = new Set(paths);
  check(unique.size === paths.length, `colliding paths ${JSON.stringify(paths)}`);
  for (const path of paths) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++)
      check(!unique.has(parts.slice(0, i).join("/")), `"${path}" is under a file`);
  }
}

/**
 * `readRequest` + `readSpc` on whole requests: they return clean unique paths, or throw
 * INVALID_ARGUMENT with a message, never anything else; malformed envelopes are always refused.
 */
export function requestParsingProperty(world: FuzzWorld) {
  return fc.property(mountRequest(world), (request) => {
    let spc: ReturnType<typeof readSpc>;
    try {
      const params = readRequest(request);
      spc = readSpc(params.attributes, { defaultMode: params.defaultMode, awsRegion: undefined });
    } catch (error) {
      checkProviderError(error, [Code.InvalidArgument]);
      fuzzStats.requestsRefused++;
      return;
    }
    check(!request.isMalformed, "a malformed request was accepted");
    const paths = spc.descriptors.flatMap((d) => [
      d.filePath,
      ...d.jmesPath.map((j) => j.filePath),
    ]);
    checkMountResult({
      files: paths.map((path) => ({ path, mode: 0 })),
      objectVersions: paths.map((id) => ({ id, version: "" })),
    });
    fuzzStats.requestsAccepted++;
  });
}

/** Own property names of Object.prototype, to detect prototype pollution after a run. */
export function prototypeSnapshot(): string {
  return JSON.stringify([
    Object.getOwnPropertyNames(Object.prototype).sort(),
    Object.getOwnPropertyNames(Array.prototype).sort(),
  ]);
}

/** What the mount pipeline returns (paths, modes, versions). */
interface MountOutcome {
  files: readonly { path: string; mode: number }[];
  objectVersions: readonly { id: string; version: string }[];
}

/**
 * The mount pipeline as a whole: every request either mounts (and {@link checkMountResult} holds)
 * or fails with a ProviderError carrying a message, never INTERNAL while every fake is healthy;
 * a malformed envelope is always INVALID_ARGUMENT.
 */
export function handlerProperty(
  world: FuzzWorld,
  handle: (request: FuzzedRequest) => Promise<MountOutcome>,
) {
  const codes = Object.values(Code).filter((code) => code !== Code.Internal);
  return fc.asyncProperty(mountRequest(world), async (request) => {
    let result: MountOutcome;
    try {
      result = await handle(request);
    } catch (error) {
      const problem = checkProviderError(
        error,
        request.isMalformed ? [Code.InvalidArgument] : codes,
      );
      check(
        !problem.message.includes(hugeString.slice(0, 4096)),
        "the message quotes a huge value",
      );
      fuzzStats.failed[problem.code] = (fuzzStats.failed[problem.code] ?? 0) + 1;
      return;
    }
    check(!request.isMalformed, "a malformed request mounted");
    checkMountResult(result);
    fuzzStats.mounted++;
  });
}

/** Seeds `bed` with the world the handler fuzz expects and returns it. */
export function seedFuzzWorld(bed: TestBed): FuzzWorld {
  const world = { ...defaultWorld };
  const irsa = bed.workload({ namespace: world.namespace, serviceAccount: world.serviceAccount });
  // The same ServiceAccount also has a Pod Identity association (usePodIdentity is fuzzed).
  const podIdentityToken = bed.kube.mintToken({
    namespace: world.namespace,
    serviceAccount: world.serviceAccount,
    audience: "pods.eks.amazonaws.com",
  });
  bed.agent.associate(podIdentityToken, irsa.roleArn);
  const expirationTimestamp = new Date(Date.now() + 3600_000).toISOString();
  world.tokens = JSON.stringify({
    "sts.amazonaws.com": { token: irsa.token, expirationTimestamp },
    "pods.eks.amazonaws.com": { token: podIdentityToken, expirationTimestamp },
  });
  bed.aws.grant(irsa.roleArn, { service: "secretsmanager", resource: "*" });
  bed.aws.grant(irsa.roleArn, { service: "ssm", resource: "*" });
  bed.aws.putSecret(world.region, { name: "plain", secretString: "fuzz-plain-value" });
  // An AWSPREVIOUS version first, then the current one.
  bed.aws.putSecret(world.region, { name: "json", secretString: '{"user":"older-user-value"}' });
  bed.aws.putSecret(world.region, {
    name: "json",
    secretString: JSON.stringify({ user: "fuzz-user-value", pass: "fuzz-pass-value", n: 1 }),
  });
  bed.aws.putSecret(world.region, { name: "dir/name", secretString: "fuzz-dir-value" });
  bed.aws.putSecret(world.region, { name: "bin", secretBinary: new Uint8Array([0, 255, 1, 254]) });
  bed.aws.putParameter(world.region, {
    name: "/p/one",
    type: "SecureString",
    value: "fuzz-param-value",
  });
  bed.aws.putParameter(world.region, {
    name: "/p/one",
    type: "SecureString",
    value: "fuzz-param-v2",
  });
  bed.aws.putParameter(world.region, { name: "p2", type: "StringList", value: "a,b,c" });
  return world;
}
