import { describe, expect, test } from "bun:test";
import { parseParameters } from "./parse-parameters.ts";
import type { Problem } from "./secret-descriptor.ts";

function parse(attributes: Record<string, string>) {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const parameters = parseParameters(attributes, problems, warnings);
  return { parameters, problems, warnings };
}

function expectOneProblem(attributes: Record<string, string>, where: string, message: string) {
  const { problems } = parse(attributes);
  expect(problems).toHaveLength(1);
  expect(problems[0]?.where).toBe(where);
  expect(problems[0]?.message).toContain(message);
}

describe("parseParameters()", () => {
  test("applies the defaults when no parameter is set", () => {
    expect(parse({ objects: "- objectName: x" })).toEqual({
      parameters: {
        region: undefined,
        failoverRegion: undefined,
        pathTranslation: { kind: "replace", with: "_" },
        usePodIdentity: false,
        preferredAddressType: "auto",
        assumeRole: undefined,
      },
      problems: [],
      warnings: [],
    });
  });

  test("treats empty values as absent, as the driver sends declared but unset keys", () => {
    const { parameters, problems } = parse({
      region: "",
      failoverRegion: "",
      pathTranslation: "",
      usePodIdentity: "",
      preferredAddressType: "",
      assumeRoleArn: "",
      assumeRoleExternalId: "",
      assumeRoleDurationSeconds: "",
    });
    expect(problems).toEqual([]);
    expect(parameters.region).toBeUndefined();
    expect(parameters.pathTranslation).toEqual({ kind: "replace", with: "_" });
    expect(parameters.assumeRole).toBeUndefined();
  });

  test("reads every parameter when all are valid", () => {
    const { parameters, problems } = parse({
      region: "us-gov-west-1",
      failoverRegion: "us-gov-east-1",
      pathTranslation: "-",
      usePodIdentity: "T",
      preferredAddressType: "IPv6",
      assumeRoleArn: "arn:aws-us-gov:iam::111122223333:role/team/reader",
      assumeRoleExternalId: "ext-id:42",
      assumeRoleDurationSeconds: "3600",
    });
    expect(problems).toEqual([]);
    expect(parameters).toEqual({
      region: "us-gov-west-1",
      failoverRegion: "us-gov-east-1",
      pathTranslation: { kind: "replace", with: "-" },
      usePodIdentity: true,
      preferredAddressType: "ipv6",
      assumeRole: {
        roleArn: "arn:aws-us-gov:iam::111122223333:role/team/reader",
        externalId: "ext-id:42",
        durationSeconds: 3600,
      },
    });
  });

  describe("region", () => {
    test.each([
      "us-east-1",
      "us-gov-west-1",
      "cn-north-1",
      "cn-northwest-1",
      "eu-isoe-west-1",
      "us-isob-east-1",
      "us-iso-east-1",
      "ap-southeast-7",
      "eusc-de-east-1",
    ])("accepts %p", (region) => {
      expect(parse({ region })).toEqual(expect.objectContaining({ problems: [] }));
      expect(parse({ region }).parameters.region).toBe(region);
    });

    test.each([
      "US-EAST-1",
      "us-east",
      "useast1",
      "us-east-1a",
      " us-east-1",
      "us-east-1\n",
      "local",
    ])("rejects %p naming the parameter and the value", (region) => {
      expectOneProblem({ region }, "region", `${JSON.stringify(region)} is not an AWS region name`);
    });
  });

  describe("failoverRegion", () => {
    test("rejects a region that does not look like one", () => {
      expectOneProblem(
        { failoverRegion: "west" },
        "failoverRegion",
        '"west" is not an AWS region name',
      );
    });

    test("is allowed without a region (the primary then comes from elsewhere)", () => {
      expect(parse({ failoverRegion: "eu-west-1" }).parameters.failoverRegion).toBe("eu-west-1");
    });
  });

  describe("pathTranslation", () => {
    test.each(["False", "false", "FALSE", "fAlSe"])("turns translation off for %p", (value) => {
      expect(parse({ pathTranslation: value }).parameters.pathTranslation).toEqual({
        kind: "keep",
      });
    });

    test.each(["-", ".", "é", "🔑"])("accepts the single character %p", (value) => {
      expect(parse({ pathTranslation: value }).parameters.pathTranslation).toEqual({
        kind: "replace",
        with: value,
      });
    });

    test.each(["__", "True", "no", "0x"])("rejects %p", (value) => {
      expectOneProblem(
        { pathTranslation: value },
        "pathTranslation",
        'use "False" or a single character',
      );
    });

    test("rejects the NUL character", () => {
      expectOneProblem({ pathTranslation: "\0" }, "pathTranslation", "NUL");
    });
  });

  describe("usePodIdentity", () => {
    test.each(["true", "True", "TRUE", "t", "T", "1"])("reads %p as true", (value) => {
      expect(parse({ usePodIdentity: value })).toEqual(
        expect.objectContaining({
          parameters: expect.objectContaining({ usePodIdentity: true }),
          problems: [],
        }),
      );
    });

    test.each(["false", "False", "FALSE", "f", "F", "0"])("reads %p as false", (value) => {
      expect(parse({ usePodIdentity: value })).toEqual(
        expect.objectContaining({
          parameters: expect.objectContaining({ usePodIdentity: false }),
          problems: [],
        }),
      );
    });

    test.each(["yes", "tRUE", "on", "2", " true"])("rejects %p", (value) => {
      expectOneProblem(
        { usePodIdentity: value },
        "usePodIdentity",
        `${JSON.stringify(value)} is not a boolean`,
      );
    });
  });

  describe("preferredAddressType", () => {
    test.each([
      ["ipv4", "ipv4"],
      ["IPv4", "ipv4"],
      ["IPV6", "ipv6"],
      ["Auto", "auto"],
    ])("reads %p in any case", (value, expected) => {
      expect(parse({ preferredAddressType: value }).parameters.preferredAddressType).toBe(
        expected as "ipv4",
      );
    });

    test("rejects other values", () => {
      expectOneProblem(
        { preferredAddressType: "dual" },
        "preferredAddressType",
        '"dual" is not allowed',
      );
    });
  });

  describe("assumeRole*", () => {
    test("accepts a role with a path in the China partition", () => {
      const roleArn = "arn:aws-cn:iam::111122223333:role/a/b/c+=,.@-_";
      expect(parse({ assumeRoleArn: roleArn }).parameters.assumeRole).toEqual({
        roleArn,
        externalId: undefined,
        durationSeconds: undefined,
      });
    });

    test.each([
      ["a user ARN", "arn:aws:iam::111122223333:user/bob"],
      ["a short account", "arn:aws:iam::1111:role/x"],
      ["a region in an IAM ARN", "arn:aws:iam:us-east-1:111122223333:role/x"],
      ["another service", "arn:aws:sts::111122223333:role/x"],
      ["a bare role name", "reader"],
      ["an empty role name", "arn:aws:iam::111122223333:role/"],
    ])("rejects %s as assumeRoleArn", (_, value) => {
      expectOneProblem({ assumeRoleArn: value }, "assumeRoleArn", "is not an IAM role ARN");
    });

    test("rejects assumeRoleExternalId without assumeRoleArn", () => {
      expectOneProblem(
        { assumeRoleExternalId: "abc" },
        "assumeRoleExternalId",
        'is set without "assumeRoleArn"',
      );
    });

    test("rejects assumeRoleDurationSeconds without assumeRoleArn", () => {
      expectOneProblem(
        { assumeRoleDurationSeconds: "900" },
        "assumeRoleDurationSeconds",
        'is set without "assumeRoleArn"',
      );
    });

    test("rejects an external id that STS would refuse, without echoing it", () => {
      const { problems } = parse({
        assumeRoleArn: "arn:aws:iam::111122223333:role/x",
        assumeRoleExternalId: "a b",
      });
      expect(problems).toEqual([
        { where: "assumeRoleExternalId", message: expect.stringContaining("2 to 1224") },
      ]);
      expect(problems[0]?.message).not.toContain("a b");
    });

    test.each(["899", "43201", "1.5", "-900", "900s", "1e3", "0900000"])(
      "rejects the duration %p",
      (value) => {
        expectOneProblem(
          { assumeRoleArn: "arn:aws:iam::111122223333:role/x", assumeRoleDurationSeconds: value },
          "assumeRoleDurationSeconds",
          "from 900 to 43200",
        );
      },
    );

    test.each([
      ["900", 900],
      ["43200", 43200],
    ])("accepts the duration %p", (value, seconds) => {
      const { parameters, problems } = parse({
        assumeRoleArn: "arn:aws:iam::111122223333:role/x",
        assumeRoleDurationSeconds: value,
      });
      expect(problems).toEqual([]);
      expect(parameters.assumeRole?.durationSeconds).toBe(seconds);
    });
  });

  test("reports every bad parameter at once", () => {
    const { problems } = parse({
      region: "x",
      failoverRegion: "y",
      pathTranslation: "ab",
      usePodIdentity: "yes",
      preferredAddressType: "v6",
      assumeRoleDurationSeconds: "1",
    });
    expect(problems.map((problem) => problem.where)).toEqual([
      "region",
      "failoverRegion",
      "pathTranslation",
      "usePodIdentity",
      "preferredAddressType",
      "assumeRoleDurationSeconds",
    ]);
  });

  test.each([
    ["regoin", "region"],
    ["failoverregion", "failoverRegion"],
    ["usepodidentity", "usePodIdentity"],
    ["UsePodIdentity", "usePodIdentity"],
    ["pathTranslations", "pathTranslation"],
    ["object", "objects"],
  ])("warns about the unknown parameter %p and suggests %p", (key, suggested) => {
    const { warnings, problems } = parse({ objects: "- objectName: x", [key]: "true" });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      {
        where: key,
        message: `unknown parameter "${key}" is ignored (parameter names are case-sensitive); did you mean "${suggested}"?`,
      },
    ]);
  });

  test("a miscased usePodIdentity is warned about and does not switch to Pod Identity", () => {
    const { parameters, warnings } = parse({ objects: "- objectName: x", usepodidentity: "true" });
    expect(parameters.usePodIdentity).toBe(false);
    expect(warnings.map((warning) => warning.where)).toEqual(["usepodidentity"]);
  });

  test("lists the parameters when no name is close", () => {
    const { warnings } = parse({ objects: "- objectName: x", colour: "blue" });
    expect(warnings[0]?.message).toBe(
      'unknown parameter "colour" is ignored (parameter names are case-sensitive); known parameters are objects, region, failoverRegion, pathTranslation, usePodIdentity, preferredAddressType, assumeRoleArn, assumeRoleExternalId, assumeRoleDurationSeconds',
    );
  });

  test("does not warn about the keys of the kubelet and the driver", () => {
    const { warnings } = parse({
      objects: "- objectName: x",
      secretProviderClass: "spc",
      "csi.storage.k8s.io/pod.name": "p",
      "csi.storage.k8s.io/serviceAccount.tokens": "{}",
      "csi.storage.k8s.io/ephemeral": "true",
    });
    expect(warnings).toEqual([]);
  });
});
