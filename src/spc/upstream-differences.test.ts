/**
 * The deliberate differences of the filePermission and objectType rules from the upstream Go
 * provider (provider/secret_descriptor.go at 3.1.1), in both directions, as the README's
 * "Migrating from the upstream provider" lists them. Upstream reads `objects` with
 * sigs.k8s.io/yaml, which turns YAML into JSON first: an unquoted `0600` becomes the number 384
 * and then the string "384".
 */
import { describe, expect, test } from "bun:test";
import { checkSpc } from "./read-spc.ts";

const check = (object: string) =>
  checkSpc(
    { region: "us-east-1", objects: `- {${object}}` },
    { defaultMode: 0o644, awsRegion: undefined },
  );
const problemsOf = (object: string) => check(object).problems.map((p) => p.message);

describe("accepted here, refused upstream", () => {
  test("an unquoted filePermission 0600 is the mode 0600 (upstream: the string 384, invalid)", () => {
    const report = check("objectName: a, objectType: secretsmanager, filePermission: 0600");
    expect(report.problems).toEqual([]);
    expect(report.descriptors[0]?.mode).toBe(0o600);
  });

  test("objectType matches in any case (upstream: exactly secretsmanager or ssmparameter)", () => {
    const report = check("objectName: a, objectType: SecretsManager");
    expect(report.problems).toEqual([]);
    expect(report.descriptors[0]?.objectType).toBe("secretsmanager");
  });
});

describe("refused here, accepted upstream", () => {
  test("a filePermission whose first digit is not 0 (upstream: any 4 octal digits, 4755 too)", () => {
    expect(problemsOf('objectName: a, objectType: secretsmanager, filePermission: "4755"')).toEqual(
      ['"4755" must be 4 octal digits starting with 0, such as "0600"'],
    );
  });

  test("objectType ssmparameter with an ARN of another service (upstream: its type map's zero value)", () => {
    expect(
      problemsOf(
        "objectName: 'arn:aws:s3:us-east-1:111122223333:bucket', objectType: ssmparameter",
      ),
    ).toEqual([expect.stringContaining('ARN service "s3" is not supported')]);
  });

  test("an ARN without a 12-digit account or the service's resource prefix (upstream: any six fields)", () => {
    expect(
      problemsOf(
        "objectName: 'arn:aws:secretsmanager:us-east-1:1234:db', objectType: secretsmanager",
      ),
    ).toEqual([
      'ARN account "1234" must be 12 digits',
      'a Secrets Manager ARN must have a resource "secret:<name>", got "db"',
    ]);
  });
});

describe("the same in both", () => {
  test.each([
    ['objectName: a, objectType: secretsmanager, filePermission: "600"', "3 digits"],
    ['objectName: a, objectType: secretsmanager, filePermission: "0800"', "not octal"],
    ["objectName: a, objectType: ssm", "ssm is an ARN service, not an objectType"],
    ["objectName: a", "objectType missing for a name that is no ARN"],
  ])("refuses {%s} (%s)", (object) => {
    expect(problemsOf(object)).not.toEqual([]);
  });
});
