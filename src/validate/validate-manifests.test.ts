import { describe, expect, test } from "bun:test";
import { validateManifests } from "./validate-manifests.ts";

const spc = (name: string, parameters: string) => `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: ${name}
spec:
  provider: aws
  parameters:
${parameters}`;

const brief = (text: string) =>
  validateManifests(text).diagnostics.map(
    (d) => `${d.line}:${d.column} ${d.severity} ${d.message}`,
  );

describe("validateManifests()", () => {
  test("places a bad field inside the objects block scalar on its own line and column", () => {
    const text = spc(
      "one",
      `    region: us-east-1
    objects: |
      - objectName: "db/creds"
        objectType: "secretsmanager"
      - objectName: "api"
        objectType: "secretsmanagr"
`,
    );
    const [diagnostic] = validateManifests(text).diagnostics;
    expect(diagnostic).toEqual({
      line: 13,
      column: 21,
      severity: "error",
      message: expect.stringContaining('objects[1] ("api").objectType: "secretsmanagr"'),
      secretProviderClass: { name: "one" },
    });
    expect(text.split("\n")[12]?.slice(20)).toBe('"secretsmanagr"');
  });

  test("reports every AWS SPC of a multi-document file and skips other documents", () => {
    const text = [
      "kind: ConfigMap\nmetadata: {name: x}\ndata: {objects: nonsense}\n",
      spc(
        "a",
        "    region: mars-1\n    objects: |\n      - {objectName: a, objectType: secretsmanager}\n",
      ),
      "kind: SecretProviderClass\nspec:\n  provider: azure\n  parameters: {objects: nonsense}\n",
      spc(
        "b",
        '    objects: |\n      - objectName: b\n        objectType: ssmparameter\n        filePermission: "777"\n',
      ),
    ].join("---\n");
    const report = validateManifests(text);
    expect(report.secretProviderClasses).toBe(2);
    expect(brief(text)).toEqual([
      expect.stringMatching(/^12:13 error region: "mars-1" is not an AWS region/),
      expect.stringMatching(/^31:25 error objects\[0\] \("b"\)\.filePermission:/),
    ]);
  });

  test("reports unknown fields as warnings", () => {
    const text = spc(
      "w",
      "    objects: |\n      - objectName: a\n        objectType: ssmparameter\n        objectAliass: x\n",
    );
    expect(brief(text)).toEqual([
      expect.stringMatching(/^11:9 warning objects\[0\] \("a"\)\.objectAliass:/),
    ]);
  });

  test("needs no region offline, but checks ARN regions against the SPC's region", () => {
    const arn = "arn:aws:secretsmanager:us-west-2:111122223333:secret:db-AbCdEf";
    const withoutRegion = spc("r", `    objects: |\n      - objectName: ${arn}\n`);
    expect(brief(withoutRegion)).toEqual([]);
    const otherRegion = spc(
      "r",
      `    region: eu-west-1\n    objects: |\n      - objectName: ${arn}\n`,
    );
    expect(brief(otherRegion)).toEqual([
      expect.stringMatching(/^10:21 error objects\[0\].*ARN region "us-west-2" does not match/),
    ]);
  });

  test("parameters that are not strings are errors at their value, and not reported twice", () => {
    const text = spc("t", "    usePodIdentity: true\n    objects:\n      - objectName: a\n");
    expect(brief(text)).toEqual([
      '8:21 error usePodIdentity: must be a string, as Kubernetes requires for SecretProviderClass parameters; quote it: "true"',
      "10:7 error objects: must be a string, as Kubernetes requires for SecretProviderClass parameters",
    ]);
  });

  test("a missing objects parameter or parameters map is an error", () => {
    expect(brief(spc("m", "    region: us-east-1\n"))).toEqual([
      expect.stringMatching(/^7:3 error objects: no objects to mount/),
    ]);
    const noParameters = "kind: SecretProviderClass\nspec:\n  provider: aws\n";
    expect(brief(noParameters)).toEqual([
      "3:3 error spec.parameters: is missing or not a map; list the objects to mount in it",
    ]);
  });

  test("a folded objects scalar falls back to the position of the value", () => {
    const text = spc("f", "    objects: >\n      - objectName: a\n        objectType: nope\n");
    expect(brief(text)).toEqual([expect.stringMatching(/^8:14 error objects\[0\]/)]);
  });

  test("YAML syntax errors are errors with their position; an empty text has nothing to check", () => {
    const report = validateManifests("kind: SecretProviderClass\nspec: [\n");
    expect(report.diagnostics[0]).toMatchObject({ line: 3, column: 1, severity: "error" });
    expect(report.diagnostics[0]?.message).toStartWith("invalid YAML:");
    expect(validateManifests("")).toEqual({ diagnostics: [], secretProviderClasses: 0 });
  });

  test("checks the items of a kind: List, as kubectl get secretproviderclasses -A -o yaml prints it", () => {
    const text = `apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: secrets-store.csi.x-k8s.io/v1
  kind: SecretProviderClass
  metadata:
    name: good
    namespace: shop
  spec:
    provider: aws
    parameters:
      objects: |
        - objectName: db
          objectType: secretsmanager
- apiVersion: secrets-store.csi.x-k8s.io/v1
  kind: SecretProviderClass
  metadata:
    name: broken
    namespace: billing
  spec:
    provider: aws
    parameters:
      regoin: us-east-1
      objects: |
        - objectName: api
          objectType: secretsmanagr
- apiVersion: secrets-store.csi.x-k8s.io/v1
  kind: SecretProviderClass
  metadata: {name: vault, namespace: shop}
  spec: {provider: vault, parameters: {objects: nonsense}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
`;
    const report = validateManifests(text);
    expect(report.secretProviderClasses).toBe(2);
    expect(report.diagnostics).toEqual([
      {
        line: 25,
        column: 7,
        severity: "warning",
        message: expect.stringContaining('regoin: unknown parameter "regoin" is ignored'),
        secretProviderClass: { name: "broken", namespace: "billing" },
      },
      {
        line: 28,
        column: 23,
        severity: "error",
        message: expect.stringContaining('objects[0] ("api").objectType: "secretsmanagr"'),
        secretProviderClass: { name: "broken", namespace: "billing" },
      },
    ]);
  });

  test("checks the items of a SecretProviderClassList, whose items carry no kind", () => {
    const text = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClassList
items:
- metadata: {name: a}
  spec:
    provider: aws
    parameters:
      objects: "- {objectName: a, objectType: nope}"
`;
    const report = validateManifests(text);
    expect(report.secretProviderClasses).toBe(1);
    expect(brief(text)).toEqual([
      expect.stringMatching(/^8:47 error objects\[0\] \("a"\)\.objectType/),
    ]);
  });

  test("warns about unknown and miscased parameters at their key", () => {
    const text = spc(
      "p",
      '    usepodidentity: "true"\n    failoverregion: us-west-2\n    objects: |\n      - {objectName: a, objectType: secretsmanager}\n',
    );
    expect(brief(text)).toEqual([
      expect.stringMatching(/^8:5 warning usepodidentity: .*did you mean "usePodIdentity"\?$/),
      expect.stringMatching(/^9:5 warning failoverregion: .*did you mean "failoverRegion"\?$/),
    ]);
  });
});
