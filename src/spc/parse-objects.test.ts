import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import { type ParseObjectsOptions, parseObjects } from "./parse-objects.ts";
import { readSpc } from "./read-spc.ts";
import type {
  JmesPathEntry,
  PathTranslation,
  Problem,
  SecretDescriptor,
  SpcParameters,
} from "./secret-descriptor.ts";

const smArn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:api/key-AbCdEf";
const ssmArn = "arn:aws:ssm:us-east-1:111122223333:parameter/app/flag";

const baseParameters: SpcParameters = {
  region: "us-east-1",
  failoverRegion: undefined,
  pathTranslation: { kind: "replace", with: "_" },
  usePodIdentity: false,
  preferredAddressType: "auto",
  assumeRole: undefined,
};

function parse(
  objects: string,
  overrides: Partial<ParseObjectsOptions> & Partial<SpcParameters> = {},
) {
  const { defaultMode = 0o644, parameters, ...rest } = overrides;
  const { region: _, ...parameterOverrides } = rest;
  const region = "region" in overrides ? overrides.region : "us-east-1";
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const descriptors = parseObjects(
    objects,
    { parameters: parameters ?? { ...baseParameters, ...parameterOverrides }, defaultMode, region },
    problems,
    warnings,
  );
  return { descriptors, problems, warnings };
}

/**
 * Runs the whole SPC through readSpc and checks the error: INVALID_ARGUMENT, and a line
 * `<where>: <message…>` naming the object and the field.
 */
function expectRejected(
  objects: string,
  where: string,
  message: string,
  attributes: Record<string, string> = { region: "us-east-1" },
) {
  let caught: unknown;
  try {
    readSpc({ ...attributes, objects }, { defaultMode: 0o644, awsRegion: undefined });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProviderError);
  const error = caught as ProviderError;
  expect(error.code).toBe(Code.InvalidArgument);
  const lines = error.message.split("\n").slice(1);
  const line = lines.find((candidate) => candidate.startsWith(`${where}: `));
  if (line === undefined) throw new Error(`no problem at ${where} in:\n${error.message}`);
  expect(line.slice(where.length + 2)).toContain(message);
}

const descriptor = (
  fields: Partial<SecretDescriptor> &
    Pick<SecretDescriptor, "index" | "objectName" | "objectType" | "filePath">,
): SecretDescriptor => ({
  objectAlias: undefined,
  objectVersion: undefined,
  objectVersionLabel: undefined,
  mode: 0o644,
  jmesPath: [],
  failoverObject: undefined,
  ...fields,
});

/** A jmesPath entry as parseObjects makes it, with its compiled expression. */
const jmesEntry = (path: string, filePath: string, mode: number): JmesPathEntry => ({
  path,
  expression: expect.objectContaining({ text: path }) as never,
  filePath,
  mode,
});

const mixedSpc = `
- objectName: db/creds
  objectType: secretsmanager
  objectAlias: db-creds
  objectVersionLabel: AWSCURRENT
  filePermission: 0600
  jmesPath:
    - path: '"user-name"'
      objectAlias: db-user
    - path: password
      objectAlias: db-password
      filePermission: "0400"
- objectName: ${smArn}
  objectVersion: 01234567-89ab-cdef-0123-456789abcdef
- objectName: /app/config
  objectType: ssmparameter
  objectVersion: 3
- objectName: ${ssmArn}
  objectVersionLabel: prod
- objectName: tls
  objectType: secretsmanager
  objectAlias: certs/tls.crt
`;

function expectedMixed(translate: (name: string) => string): SecretDescriptor[] {
  return [
    descriptor({
      index: 0,
      objectName: "db/creds",
      objectType: "secretsmanager",
      objectAlias: "db-creds",
      objectVersionLabel: "AWSCURRENT",
      filePath: "db-creds",
      mode: 0o600,
      jmesPath: [
        jmesEntry('"user-name"', "db-user", 0o600),
        jmesEntry("password", "db-password", 0o400),
      ],
    }),
    descriptor({
      index: 1,
      objectName: smArn,
      objectType: "secretsmanager",
      objectVersion: "01234567-89ab-cdef-0123-456789abcdef",
      filePath: translate(smArn),
    }),
    descriptor({
      index: 2,
      objectName: "/app/config",
      objectType: "ssmparameter",
      objectVersion: "3",
      filePath: translate("/app/config"),
    }),
    descriptor({
      index: 3,
      objectName: ssmArn,
      objectType: "ssmparameter",
      objectVersionLabel: "prod",
      filePath: translate(ssmArn),
    }),
    descriptor({
      index: 4,
      objectName: "tls",
      objectType: "secretsmanager",
      objectAlias: "certs/tls.crt",
      filePath: translate("certs/tls.crt"),
    }),
  ];
}

describe("parseObjects()", () => {
  describe("a valid SPC", () => {
    test.each<[string, PathTranslation, (name: string) => string]>([
      [
        "the default _ translation",
        { kind: "replace", with: "_" },
        (name) => name.replaceAll("/", "_"),
      ],
      [
        "a custom - translation",
        { kind: "replace", with: "-" },
        (name) => name.replaceAll("/", "-"),
      ],
      [
        "translation False, with subdirectories",
        { kind: "keep" },
        (name) => name.replace(/^\/+/, ""),
      ],
    ])("gives exactly the expected descriptors with %s", (_, pathTranslation, translate) => {
      const { descriptors, problems, warnings } = parse(mixedSpc, { pathTranslation });
      expect(problems).toEqual([]);
      expect(warnings).toEqual([]);
      expect(descriptors).toEqual(expectedMixed(translate));
    });

    test("makes subdirectories from inner / when translation is False", () => {
      const { descriptors } = parse(mixedSpc, { pathTranslation: { kind: "keep" } });
      expect(descriptors.map((d) => d.filePath)).toEqual([
        "db-creds",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:api/key-AbCdEf",
        "app/config",
        "arn:aws:ssm:us-east-1:111122223333:parameter/app/flag",
        "certs/tls.crt",
      ]);
    });

    test("uses the request permission when filePermission is absent", () => {
      const { descriptors } = parse("- {objectName: a, objectType: secretsmanager}", {
        defaultMode: 0o640,
      });
      expect(descriptors[0]?.mode).toBe(0o640);
    });

    test("reads a failoverObject", () => {
      const { descriptors, problems } = parse(
        `- objectName: ${smArn}
  objectAlias: key
  objectVersion: v1
  failoverObject:
    objectName: arn:aws:secretsmanager:us-west-2:111122223333:secret:api/key-XyZ
    objectVersion: v1
    objectVersionLabel: AWSCURRENT`,
        { failoverRegion: "us-west-2" },
      );
      expect(problems).toEqual([]);
      expect(descriptors[0]?.failoverObject).toEqual({
        objectName: "arn:aws:secretsmanager:us-west-2:111122223333:secret:api/key-XyZ",
        objectVersion: "v1",
        objectVersionLabel: "AWSCURRENT",
      });
    });

    test("accepts a failoverObject named without an ARN when objectType is given", () => {
      const { problems } = parse(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: {objectName: b}}",
        { failoverRegion: "us-west-2" },
      );
      expect(problems).toEqual([]);
    });

    test("matches field names case-insensitively, as upstream SPCs write Path and ObjectAlias", () => {
      const { descriptors, problems, warnings } = parse(`
- ObjectName: a
  objecttype: secretsmanager
  JMESPATH:
    - Path: x
      ObjectAlias: b`);
      expect(problems).toEqual([]);
      expect(warnings).toEqual([]);
      expect(descriptors[0]?.jmesPath).toEqual([jmesEntry("x", "b", 0o644)]);
    });

    test("matches objectType values case-insensitively", () => {
      const { descriptors, problems } = parse("- {objectName: a, objectType: SecretsManager}");
      expect(problems).toEqual([]);
      expect(descriptors[0]?.objectType).toBe("secretsmanager");
    });

    test("reads an unquoted filePermission 0600 as text, not as YAML octal or decimal", () => {
      const { descriptors } = parse(`
- objectName: a
  objectType: secretsmanager
  filePermission: 0600
- objectName: b
  objectType: secretsmanager
  filePermission: 0640
  jmesPath: [{path: x, objectAlias: c, filePermission: 0400}]`);
      expect(descriptors.map((d) => d.mode)).toEqual([0o600, 0o640]);
      expect(descriptors[1]?.jmesPath[0]?.mode).toBe(0o400);
    });

    test("reads scalars as written: an unquoted version number keeps its text", () => {
      const { descriptors } = parse(
        "- {objectName: a, objectType: ssmparameter, objectVersion: 007}",
      );
      expect(descriptors[0]?.objectVersion).toBe("007");
    });

    test("treats null, ~ and empty values as absent", () => {
      const { descriptors, problems } = parse(`
- objectName: a
  objectType: secretsmanager
  objectAlias: ~
  objectVersion: null
  objectVersionLabel: ""
  filePermission:
  jmesPath:
  failoverObject:`);
      expect(problems).toEqual([]);
      expect(descriptors[0]).toEqual(
        descriptor({ index: 0, objectName: "a", objectType: "secretsmanager", filePath: "a" }),
      );
    });

    test("follows YAML anchors, aliases and merge keys", () => {
      const broken = `
- &base
  objectName: a
  objectType: ssmparameter
- <<: *base
  objectName: b
- objectName: c
  objectType: *type
  jmesPath: &jmes [{path: x, objectAlias: cx}]
- objectName: &type secretsmanager
  objectType: secretsmanager
`;
      const { descriptors, problems } = parse(broken);
      expect(problems).toEqual([
        {
          where: "objects",
          message: 'alias "*type" refers to no anchor defined before it',
          offset: broken.indexOf("*type"),
        },
      ]);
      expect(descriptors).toEqual([]);
      const fixed = parse(`
- &base
  objectName: a
  objectType: ssmparameter
- <<: *base
  objectName: b
- objectName: c
  objectType: &type secretsmanager
  jmesPath: &jmes [{path: x, objectAlias: cx}]
- objectName: d
  objectType: *type
  jmesPath: [{path: y, objectAlias: dy}]
`);
      expect(fixed.problems).toEqual([]);
      expect(fixed.descriptors.map((d) => [d.objectName, d.objectType])).toEqual([
        ["a", "ssmparameter"],
        ["b", "ssmparameter"],
        ["c", "secretsmanager"],
        ["d", "secretsmanager"],
      ]);
    });

    test("accepts objects written as JSON", () => {
      const { descriptors, problems } = parse(
        '[{"objectName": "a", "objectType": "secretsmanager"}]',
      );
      expect(problems).toEqual([]);
      expect(descriptors).toHaveLength(1);
    });
  });

  describe("warnings", () => {
    test("warns about an unknown field and suggests the closest known name", () => {
      const { descriptors, problems, warnings } = parse(
        "- {objectName: a, objectType: secretsmanager, objectAliass: b}",
      );
      expect(problems).toEqual([]);
      expect(descriptors).toHaveLength(1);
      expect(warnings).toEqual([
        {
          where: 'objects[0] ("a").objectAliass',
          message: 'unknown field "objectAliass" is ignored; did you mean "objectAlias"?',
          offset: 46,
        },
      ]);
    });

    test("suggests the field when the object prefix was left out", () => {
      const { warnings } = parse("- {objectName: a, objectType: secretsmanager, alias: b}");
      expect(warnings[0]?.message).toContain('did you mean "objectAlias"?');
    });

    test("lists the known fields when nothing is close", () => {
      const { warnings } = parse(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x, objectAlias: y, zzzzzz: 1}]}",
      );
      expect(warnings).toEqual([
        {
          where: 'objects[0] ("a").jmesPath[0].zzzzzz',
          message:
            'unknown field "zzzzzz" is ignored; known fields are path, objectAlias, filePermission',
          offset: expect.any(Number),
        },
      ]);
    });

    test("warns about unknown fields of failoverObject", () => {
      const { warnings } = parse(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: {objectName: b, objectVersionLable: x}}",
        { failoverRegion: "us-west-2" },
      );
      expect(warnings.map((w) => w.where)).toEqual([
        'objects[0] ("a").failoverObject.objectVersionLable',
      ]);
      expect(warnings[0]?.message).toContain('did you mean "objectVersionLabel"?');
    });

    test("passes YAML warnings on, such as an unknown tag", () => {
      const { warnings, problems } = parse("- {objectName: !weird a, objectType: secretsmanager}");
      expect(problems).toEqual([]);
      expect(warnings[0]?.where).toBe("objects");
      expect(warnings[0]?.message).toContain("!weird");
    });
  });

  describe("offsets", () => {
    test("point at the offending node inside the objects text", () => {
      const objects = "- objectName: a\n  objectType: secretsmanager\n  filePermission: 777\n";
      const { problems } = parse(objects);
      expect(problems).toHaveLength(1);
      expect(objects.slice(problems[0]?.offset)).toStartWith("777");
    });

    test("point at the map when a required field is missing", () => {
      const objects = "- objectType: secretsmanager\n- objectType: secretsmanager\n";
      const { problems } = parse(objects);
      expect(problems.map((p) => [p.where, p.message, p.offset])).toEqual([
        ["objects[0].objectName", "is required", 2],
        ["objects[1].objectName", "is required", 31],
      ]);
    });

    test("point at YAML syntax errors", () => {
      const objects = "- objectName: a\n  objectType: [secretsmanager\n";
      const { problems } = parse(objects);
      expect(problems[0]?.where).toBe("objects");
      expect(problems[0]?.message).toStartWith("is not valid YAML: ");
      expect(problems[0]?.offset).toBeNumber();
    });
  });

  describe("the objects list", () => {
    test.each([
      ["an empty list", "[]"],
      ["an empty document", "   \n"],
      ["a comment only", "# nothing yet"],
      ["null", "null"],
    ])("reports no objects to mount for %s", (_, objects) => {
      expectRejected(objects, "objects", "no objects to mount");
    });

    test.each([
      ["a map", "objectName: a", "got a map"],
      ["a string", "db/creds", 'got the string "db/creds"'],
      ["a number", "42", "got the number 42"],
    ])("rejects %s instead of a list", (_, objects, message) => {
      expectRejected(objects, "objects", `must be a YAML list of objects, ${message}`);
    });

    test("rejects invalid YAML", () => {
      expectRejected("- objectName: a\n\t- b", "objects", "is not valid YAML");
    });

    test("rejects several YAML documents", () => {
      expectRejected("- objectName: a\n---\n- objectName: b", "objects", "is not valid YAML");
    });

    test("rejects the same key twice in one map", () => {
      expectRejected(
        "- objectName: a\n  objectName: b",
        "objects",
        "is not valid YAML: Map keys must be unique",
      );
    });

    test("finds a key given twice in a map nested in a list in a map", () => {
      expectRejected(
        "- objectName: a\n  objectType: secretsmanager\n  jmesPath:\n    - {path: x, objectAlias: y, path: z}",
        "objects",
        "is not valid YAML: Map keys must be unique",
      );
    });

    test("rejects an entry that is not a map", () => {
      expectRejected(
        "- objectName: a\n  objectType: secretsmanager\n- b",
        "objects[1]",
        'must be a map with objectName and objectType, got the string "b"',
      );
    });

    test("rejects an alias to an anchor that does not exist", () => {
      expectRejected(
        "- objectName: *nope",
        "objects",
        'alias "*nope" refers to no anchor defined before it',
      );
    });
  });

  describe("objectName", () => {
    test("is required", () => {
      expectRejected("- objectType: secretsmanager", "objects[0].objectName", "is required");
    });

    test("is required even when given as an empty string", () => {
      expectRejected(
        '- {objectName: "", objectType: secretsmanager}',
        "objects[0].objectName",
        "is required",
      );
    });

    test("must be a string", () => {
      expectRejected(
        "- {objectName: [a], objectType: secretsmanager}",
        "objects[0].objectName",
        "must be a string, got a list",
      );
    });

    test("must be a valid ARN when it starts with arn:", () => {
      expectRejected(
        "- {objectName: 'arn:aws:secretsmanager:us-east-1'}",
        'objects[0] ("arn:aws:secretsmanager:us-east-1").objectName',
        "is not a valid ARN",
      );
    });

    test("must be an ARN of a supported service when objectType is absent", () => {
      expectRejected(
        "- objectName: arn:aws:s3:us-east-1:111122223333:bucket/x",
        'objects[0] ("arn:aws:s3:us-east-1:111122223333:bucket/x").objectName',
        'ARN service "s3" is not supported',
      );
    });

    test("must be an ARN in the primary region", () => {
      const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x";
      expectRejected(
        `- objectName: ${arn}`,
        `objects[0] (${JSON.stringify(arn)}).objectName`,
        'ARN region "eu-west-1" does not match the region "us-east-1"',
      );
    });

    test("may be an ARN in any region while the primary region is unknown", () => {
      const { problems } = parse(
        "- objectName: arn:aws:secretsmanager:eu-west-1:111122223333:secret:x",
        { region: undefined },
      );
      expect(problems).toEqual([]);
    });

    test("must be an ARN with a region", () => {
      const arn = "arn:aws:secretsmanager::111122223333:secret:x";
      expectRejected(
        `- objectName: ${arn}`,
        `objects[0] (${JSON.stringify(arn)}).objectName`,
        "ARN has no region",
      );
    });

    test("must be an ARN with a 12-digit account", () => {
      const arn = "arn:aws:secretsmanager:us-east-1:1234:secret:x";
      expectRejected(
        `- objectName: ${arn}`,
        `objects[0] (${JSON.stringify(arn)}).objectName`,
        'ARN account "1234" must be 12 digits',
      );
    });

    test("must be an SSM ARN whose resource starts with parameter/", () => {
      const arn = "arn:aws:ssm:us-east-1:111122223333:document/x";
      expectRejected(
        `- objectName: ${arn}`,
        `objects[0] (${JSON.stringify(arn)}).objectName`,
        'an SSM parameter ARN must have a resource "parameter/<name>"',
      );
    });

    test("must be a Secrets Manager ARN whose resource starts with secret:", () => {
      const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";
      expectRejected(
        `- objectName: "${arn}"`,
        `objects[0] (${JSON.stringify(arn)}).objectName`,
        'a Secrets Manager ARN must have a resource "secret:<name>"',
      );
    });
  });

  describe("objectType", () => {
    test("is required when objectName is not an ARN", () => {
      expectRejected(
        "- objectName: db/creds",
        'objects[0] ("db/creds").objectType',
        "is required when objectName is not an ARN",
      );
    });

    test("must be secretsmanager or ssmparameter", () => {
      expectRejected(
        "- {objectName: a, objectType: kms}",
        'objects[0] ("a").objectType',
        '"kms" is not an object type: use "secretsmanager" or "ssmparameter"',
      );
    });

    test("rejects ssm, which only ARNs use, and says what to write instead", () => {
      expectRejected(
        "- {objectName: a, objectType: ssm}",
        'objects[0] ("a").objectType',
        'use "ssmparameter"',
      );
    });

    test("must agree with the service of an ARN objectName", () => {
      expectRejected(
        `- {objectName: "${ssmArn}", objectType: secretsmanager}`,
        `objects[0] (${JSON.stringify(ssmArn)}).objectType`,
        '"secretsmanager" does not match the ARN in objectName, which is an SSM parameter ARN',
      );
    });
  });

  describe("objectVersion and objectVersionLabel", () => {
    test("cannot both be set for an SSM parameter", () => {
      expectRejected(
        "- {objectName: a, objectType: ssmparameter, objectVersion: 2, objectVersionLabel: prod}",
        'objects[0] ("a").objectVersionLabel',
        "cannot be used together with objectVersion for an SSM parameter",
      );
    });

    test("may both be set for a Secrets Manager secret", () => {
      const { problems } = parse(
        "- {objectName: a, objectType: secretsmanager, objectVersion: v, objectVersionLabel: AWSCURRENT}",
      );
      expect(problems).toEqual([]);
    });

    test("must be strings", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectVersion: {x: 1}}",
        'objects[0] ("a").objectVersion',
        "must be a string, got a map",
      );
    });
  });

  describe("filePermission", () => {
    test.each(["600", "0800", "00600", "0o600", "rw-------", "0x180", "384"])(
      "rejects %p",
      (value) => {
        expectRejected(
          `- {objectName: a, objectType: secretsmanager, filePermission: "${value}"}`,
          'objects[0] ("a").filePermission',
          `"${value}" must be 4 octal digits starting with 0, such as "0600"`,
        );
      },
    );

    test("rejects a bad filePermission of a jmesPath entry", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x, objectAlias: b, filePermission: 777}]}",
        'objects[0] ("a").jmesPath[0].filePermission',
        '"777" must be 4 octal digits',
      );
    });
  });

  describe("objectAlias", () => {
    test("is translated like objectName, as upstream does", () => {
      const { descriptors } = parse(
        "- {objectName: a, objectType: secretsmanager, objectAlias: dir/file}",
      );
      expect(descriptors[0]?.filePath).toBe("dir_file");
    });

    test("may name a subdirectory when translation is False", () => {
      const { descriptors } = parse(
        "- {objectName: a, objectType: secretsmanager, objectAlias: dir/file}",
        {
          pathTranslation: { kind: "keep" },
        },
      );
      expect(descriptors[0]?.filePath).toBe("dir/file");
    });

    test.each([
      ["..", 'has a "." or ".." element'],
      ["a/../../etc/passwd", 'has a "." or ".." element'],
      ["..data", 'must not start with ".."'],
      ["a//b", "empty element"],
      ["a/", "empty element"],
      ["x".repeat(256), "longer than 255 bytes"],
    ])("rejects the unclean path %p when translation is False", (alias, message) => {
      expectRejected(
        `- {objectName: a, objectType: secretsmanager, objectAlias: "${alias}"}`,
        'objects[0] ("a").objectAlias',
        message,
        { region: "us-east-1", pathTranslation: "False" },
      );
    });

    test("rejects a translated name that is still not a clean path", () => {
      expectRejected(
        "- {objectName: '..', objectType: secretsmanager}",
        'objects[0] ("..").objectName',
        '"." or ".." element',
      );
    });

    test("rejects an alias with a NUL byte", () => {
      expectRejected(
        '- {objectName: a, objectType: secretsmanager, objectAlias: "a\\0b"}',
        'objects[0] ("a").objectAlias',
        "NUL byte",
      );
    });

    test("rejects a path over 4096 bytes", () => {
      const alias = Array.from({ length: 20 }, () => "x".repeat(250)).join("/");
      expectRejected(
        `- {objectName: a, objectType: secretsmanager, objectAlias: "${alias}"}`,
        'objects[0] ("a").objectAlias',
        "more than the limit of 4096",
        {
          region: "us-east-1",
          pathTranslation: "False",
        },
      );
    });
  });

  describe("jmesPath", () => {
    test("must be a list", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: {path: x}}",
        'objects[0] ("a").jmesPath',
        "must be a list of {path, objectAlias} maps, got a map",
      );
    });

    test("entries must be maps", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [x]}",
        'objects[0] ("a").jmesPath[0]',
        'must be a map with path and objectAlias, got the string "x"',
      );
    });

    test("entries need a path", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{objectAlias: b}]}",
        'objects[0] ("a").jmesPath[0].path',
        "is required",
      );
    });

    test("entries need an objectAlias", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x}]}",
        'objects[0] ("a").jmesPath[0].objectAlias',
        "is required",
      );
    });

    test("rejects an expression that does not compile", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: 'a[', objectAlias: b}]}",
        'objects[0] ("a").jmesPath[0].path',
        '"a[" is not a valid JMESPath expression',
      );
    });

    test("suggests quoting a key with a dash", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: user-name, objectAlias: b}]}",
        'objects[0] ("a").jmesPath[0].path',
        `put keys that contain "-" in double quotes, as in '"user-name"'`,
      );
    });

    test("entries default to the parent's filePermission", () => {
      const { descriptors } = parse(
        "- {objectName: a, objectType: secretsmanager, filePermission: '0640', jmesPath: [{path: x, objectAlias: b}]}",
      );
      expect(descriptors[0]?.jmesPath[0]?.mode).toBe(0o640);
    });

    test("entries take the same path translation as objects", () => {
      const { descriptors } = parse(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x, objectAlias: /b/c}]}",
        {
          pathTranslation: { kind: "replace", with: "-" },
        },
      );
      expect(descriptors[0]?.jmesPath[0]?.filePath).toBe("-b-c");
    });
  });

  describe("failoverObject", () => {
    const failover = (extra: string) =>
      `- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: {objectName: b${extra}}}`;
    const withFailover = { region: "us-east-1", failoverRegion: "us-west-2" };

    test("rejects failoverObject when no failoverRegion is set", () => {
      expectRejected(
        failover(""),
        'objects[0] ("a").failoverObject',
        'needs a valid "failoverRegion" parameter',
      );
    });

    test("requires an objectAlias on the object", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, failoverObject: {objectName: b}}",
        'objects[0] ("a").objectAlias',
        "is required when failoverObject is set",
        withFailover,
      );
    });

    test("requires its objectName", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: {objectVersionLabel: x}}",
        'objects[0] ("a").failoverObject.objectName',
        "is required",
        withFailover,
      );
    });

    test("must be a map", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: b}",
        'objects[0] ("a").failoverObject',
        'must be a map with objectName, got the string "b"',
        withFailover,
      );
    });

    test("needs the primary's objectVersion", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, objectVersion: v1, failoverObject: {objectName: b}}",
        'objects[0] ("a").failoverObject.objectVersion',
        'is required and must equal the objectVersion of the object, "v1"',
        withFailover,
      );
    });

    test("must not set an objectVersion the primary does not have", () => {
      expectRejected(
        failover(", objectVersion: v2"),
        'objects[0] ("a").failoverObject.objectVersion',
        '"v2" must not be set',
        withFailover,
      );
    });

    test("must use the same objectVersion as the primary", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, objectVersion: v1, failoverObject: {objectName: b, objectVersion: v2}}",
        'objects[0] ("a").failoverObject.objectVersion',
        '"v2" must equal the objectVersion of the object, "v1"',
        withFailover,
      );
    });

    test("must name an ARN in the failover region", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: {objectName: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:b'}}",
        'objects[0] ("a").failoverObject.objectName',
        'ARN region "us-east-1" does not match failoverRegion "us-west-2"',
        withFailover,
      );
    });

    test("must name an ARN of the object's service", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, objectAlias: a, failoverObject: {objectName: 'arn:aws:ssm:us-west-2:111122223333:parameter/b'}}",
        'objects[0] ("a").failoverObject.objectName',
        "is an SSM parameter ARN, but the object is a Secrets Manager secret",
        withFailover,
      );
    });

    test("cannot set both objectVersion and objectVersionLabel for an SSM parameter", () => {
      expectRejected(
        "- {objectName: a, objectType: ssmparameter, objectAlias: a, objectVersion: 1, failoverObject: {objectName: b, objectVersion: 1, objectVersionLabel: x}}",
        'objects[0] ("a").failoverObject.objectVersionLabel',
        "cannot be used together with objectVersion",
        withFailover,
      );
    });
  });

  describe("file collisions", () => {
    test("rejects two objects at the same path and names both", () => {
      expectRejected(
        "- {objectName: a/b, objectType: secretsmanager}\n- {objectName: a_b, objectType: ssmparameter}",
        'objects[1] ("a_b").objectName',
        'file path "a_b" is already used by objects[0] ("a/b").objectName',
      );
    });

    test("rejects an alias that takes another object's file", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager}\n- {objectName: b, objectType: secretsmanager, objectAlias: a}",
        'objects[1] ("b").objectAlias',
        'file path "a" is already used by objects[0] ("a").objectName',
      );
    });

    test("rejects a jmesPath alias that takes another file, even of its own object", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x, objectAlias: a}]}",
        'objects[0] ("a").jmesPath[0].objectAlias',
        'file path "a" is already used by objects[0] ("a").objectName',
      );
    });

    test("rejects two jmesPath entries with one alias", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager, jmesPath: [{path: x, objectAlias: u}, {path: y, objectAlias: u}]}",
        'objects[0] ("a").jmesPath[1].objectAlias',
        'file path "u" is already used by objects[0] ("a").jmesPath[0].objectAlias',
      );
    });

    test("rejects a file where another object needs a directory", () => {
      expectRejected(
        "- {objectName: a, objectType: secretsmanager}\n- {objectName: a/b, objectType: secretsmanager}",
        'objects[1] ("a/b").objectName',
        'file path "a/b" needs "a" to be a directory, but objects[0] ("a").objectName writes a file there',
        { region: "us-east-1", pathTranslation: "False" },
      );
    });

    test("rejects a directory where another object has a file", () => {
      expectRejected(
        "- {objectName: a/b/c, objectType: secretsmanager}\n- {objectName: a/b, objectType: secretsmanager}",
        'objects[1] ("a/b").objectName',
        'file path "a/b" is already a directory, holding the file of objects[0] ("a/b/c").objectName',
        { region: "us-east-1", pathTranslation: "False" },
      );
    });

    test("allows files side by side in one directory", () => {
      const { problems } = parse(
        "- {objectName: a/b, objectType: secretsmanager}\n- {objectName: a/c, objectType: secretsmanager}",
        {
          pathTranslation: { kind: "keep" },
        },
      );
      expect(problems).toEqual([]);
    });
  });

  test("rejects the same field given twice in different case", () => {
    expectRejected(
      "- {objectName: a, ObjectName: b, objectType: secretsmanager}",
      'objects[0] ("a").objectName',
      'is given twice, as "objectName" and "ObjectName"',
    );
  });

  test("reports the problems of every object, not just the first", () => {
    const { problems, descriptors } = parse(`
- {objectName: ok, objectType: secretsmanager}
- {objectName: a, objectType: nope}
- {objectType: secretsmanager}
- {objectName: b, objectType: secretsmanager, jmesPath: [{path: x}]}
- {objectName: c, objectType: ssmparameter, filePermission: "9"}`);
    expect(problems.map((p) => p.where)).toEqual([
      'objects[1] ("a").objectType',
      "objects[2].objectName",
      'objects[3] ("b").jmesPath[0].objectAlias',
      'objects[4] ("c").filePermission',
    ]);
    expect(descriptors.map((d) => d.objectName)).toEqual(["ok"]);
  });
});
