import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import { checkSpc, readSpc } from "./read-spc.ts";

const options = { defaultMode: 0o644, awsRegion: undefined };

function readError(attributes: Record<string, string>, awsRegion?: string): ProviderError {
  try {
    readSpc(attributes, { defaultMode: 0o644, awsRegion });
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error("expected readSpc to throw");
}

describe("readSpc()", () => {
  test("returns parameters, descriptors and warnings of a valid SPC", () => {
    const spc = readSpc(
      {
        secretProviderClass: "web",
        "csi.storage.k8s.io/pod.name": "web-0",
        region: "eu-west-1",
        usePodIdentity: "true",
        objects: "- {objectName: db, objectType: secretsmanager, objectAlis: x}",
      },
      options,
    );
    expect(spc.parameters.region).toBe("eu-west-1");
    expect(spc.parameters.usePodIdentity).toBe(true);
    expect(spc.descriptors.map((d) => d.filePath)).toEqual(["db"]);
    expect(spc.warnings.map((w) => w.where)).toEqual(['objects[0] ("db").objectAlis']);
  });

  test("throws INVALID_ARGUMENT naming the SecretProviderClass, one problem per line", () => {
    const error = readError({
      secretProviderClass: "web",
      objects: "- {objectName: db/creds, objectType: secretsmanager, jmesPath: [{path: x}]}",
    });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.reason).toBe("InvalidSecretProviderClass");
    expect(error.message).toBe(
      'Invalid SecretProviderClass "web" (1 problem):\nobjects[0] ("db/creds").jmesPath[0].objectAlias: is required',
    );
  });

  test("reports all problems of an SPC with five different mistakes together", () => {
    const error = readError({
      secretProviderClass: "web",
      region: "mars-1",
      pathTranslation: "--",
      objects: `
- {objectName: a, objectType: vault}
- {objectName: b, objectType: secretsmanager, filePermission: "777"}
- {objectName: c, objectType: secretsmanager, failoverObject: {objectName: d}}`,
    });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message.split("\n")).toEqual([
      'Invalid SecretProviderClass "web" (6 problems):',
      'region: "mars-1" is not an AWS region name such as "us-east-1" or "eu-west-2"',
      'pathTranslation: "--" is not allowed: use "False" or a single character such as "_" (the default)',
      'objects[0] ("a").objectType: "vault" is not an object type: use "secretsmanager" or "ssmparameter"',
      'objects[1] ("b").filePermission: "777" must be 4 octal digits starting with 0, such as "0600"',
      'objects[2] ("c").objectAlias: is required when failoverObject is set, so that both regions write the same file',
      'objects[2] ("c").failoverObject: needs a valid "failoverRegion" parameter: set failoverRegion or remove failoverObject',
    ]);
  });

  test("says the objects parameter is missing", () => {
    const error = readError({ secretProviderClass: "web", region: "us-east-1" });
    expect(error.message).toBe(
      'Invalid SecretProviderClass "web" (1 problem):\nobjects: no objects to mount: the "objects" parameter is missing or empty; list the secrets and parameters to mount in it',
    );
  });

  test("treats an empty objects parameter as missing", () => {
    expect(readError({ objects: "" }).message).toContain(
      'objects: no objects to mount: the "objects" parameter is missing',
    );
  });

  test("leaves the name out when the driver sent none", () => {
    expect(readError({ objects: "[]" }).message).toBe(
      "Invalid SecretProviderClass (1 problem):\nobjects: no objects to mount: the list is empty",
    );
  });

  test("checks ARN regions against AWS_REGION when the SPC has no region", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x";
    const error = readError({ objects: `- objectName: ${arn}` }, "us-east-1");
    expect(error.message).toContain(
      `objects[0] ("${arn}").objectName: ARN region "eu-west-1" does not match the region "us-east-1"`,
    );
  });

  test("prefers the SPC region over AWS_REGION for ARN regions", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x";
    const spc = readSpc(
      { region: "eu-west-1", objects: `- objectName: ${arn}` },
      { defaultMode: 0o644, awsRegion: "us-east-1" },
    );
    expect(spc.descriptors).toHaveLength(1);
  });

  test("does not check ARN regions against AWS_REGION when the SPC region is invalid", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x";
    const error = readError({ region: "EU-WEST-1", objects: `- objectName: ${arn}` }, "us-east-1");
    expect(error.message.split("\n").slice(1)).toEqual([expect.stringMatching(/^region: /)]);
  });

  test("rejects a failoverRegion equal to the SPC's region", () => {
    const error = readError({
      region: "eu-west-1",
      failoverRegion: "eu-west-1",
      objects: "- {objectName: a, objectType: secretsmanager}",
    });
    expect(error.message.split("\n").slice(1)).toEqual([
      'failoverRegion: "eu-west-1" is the same as the primary region ("region"): use another region or remove failoverRegion',
    ]);
  });

  test("rejects a failoverRegion equal to AWS_REGION when the SPC has no region", () => {
    const error = readError(
      { failoverRegion: "us-east-1", objects: "- {objectName: a, objectType: secretsmanager}" },
      "us-east-1",
    );
    expect(error.message).toContain(
      'failoverRegion: "us-east-1" is the same as the primary region (AWS_REGION of the provider)',
    );
  });

  test("stops at a few KiB when the problems are long", () => {
    const objects = Array.from(
      { length: 10_000 },
      (_, i) => `- {objectName: object-number-${i}}`,
    ).join("\n");
    const message = readError({ objects, region: "us-east-1" }).message;
    expect(new TextEncoder().encode(message).length).toBeLessThanOrEqual(4096);
    const lines = message.split("\n");
    expect(lines[0]).toBe("Invalid SecretProviderClass (10000 problems):");
    expect(lines.at(-1)).toBe(
      `… and ${10_000 - (lines.length - 2)} more problems; run the validate command to see them all`,
    );
  });
});

describe("checkSpc()", () => {
  test("returns the problems with their YAML offsets instead of throwing", () => {
    const objects = "- objectName: a\n  objectType: vault\n";
    const report = checkSpc({ objects }, options);
    expect(report.problems).toEqual([
      {
        where: 'objects[0] ("a").objectType',
        message: '"vault" is not an object type: use "secretsmanager" or "ssmparameter"',
        offset: objects.indexOf("vault"),
      },
    ]);
    expect(report.descriptors).toEqual([]);
  });

  test("returns no problems for a valid SPC", () => {
    const report = checkSpc({ objects: "- {objectName: a, objectType: ssmparameter}" }, options);
    expect(report.problems).toEqual([]);
    expect(report.descriptors).toHaveLength(1);
  });
});
