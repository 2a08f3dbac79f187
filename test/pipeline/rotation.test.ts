import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { filesOf, startTestBed } from "../helpers/test-bed.ts";

const region = "us-east-1";
const objects =
  "- {objectName: rot/db, objectType: secretsmanager}\n- {objectName: rot/static, objectType: secretsmanager}\n- {objectName: /rot/param, objectType: ssmparameter}";

describe.each([
  ["driver-writes", "true"],
  ["provider-writes", "false"],
] as const)("rotation (%s)", (_mode, driverWrites) => {
  test("a remount after a change returns the new bytes and version; unchanged objects keep theirs", async () => {
    await using bed = await startTestBed({
      flags: [`--driver-writes-secrets=${driverWrites}`, "--cache-ttl=0"],
    });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "rot/*" });
    bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/rot/*" });
    const v1 = bed.aws.putSecret(region, { name: "rot/db", secretString: "password-1" });
    const fixed = bed.aws.putSecret(region, { name: "rot/static", secretString: "static" });
    bed.aws.putParameter(region, { name: "/rot/param", type: "SecureString", value: "param-1" });
    const target = bed.newTarget();
    const read = async () => {
      const response = await bed.mount(workload, {
        targetPath: target,
        parameters: { region, objects },
      });
      const versions = response.objectVersion.map((v) => v.version);
      const texts =
        driverWrites === "true"
          ? filesOf(response).map((f) => f.text)
          : ["rot_db", "rot_static", "_rot_param"].map((name) =>
              readFileSync(join(target, name), "utf8"),
            );
      return { versions, texts };
    };

    const first = await read();
    expect(first).toEqual({
      versions: [v1.versionId, fixed.versionId, "1"],
      texts: ["password-1", "static", "param-1"],
    });

    const v2 = bed.aws.putSecret(region, { name: "rot/db", secretString: "password-2" });
    bed.aws.putParameter(region, { name: "/rot/param", type: "SecureString", value: "param-2" });
    const second = await read();
    expect(second).toEqual({
      versions: [v2.versionId, fixed.versionId, "2"],
      texts: ["password-2", "static", "param-2"],
    });
  });
});

describe("rotation with the value cache", () => {
  test("within --cache-ttl a remount costs no AWS call; after it, the new value arrives", async () => {
    await using bed = await startTestBed({ flags: ["--cache-ttl=300ms"] });
    const workload = bed.workload();
    bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "rot/*" });
    bed.aws.putSecret(region, { name: "rot/db", secretString: "cached-1" });
    const single = "- {objectName: rot/db, objectType: secretsmanager}";
    expect(
      filesOf(await bed.mount(workload, { parameters: { region, objects: single } }))[0]?.text,
    ).toBe("cached-1");
    bed.aws.putSecret(region, { name: "rot/db", secretString: "cached-2" });
    bed.aws.resetCalls();
    expect(
      filesOf(await bed.mount(workload, { parameters: { region, objects: single } }))[0]?.text,
    ).toBe("cached-1");
    expect(bed.aws.calls).toHaveLength(0);
    await Bun.sleep(350);
    expect(
      filesOf(await bed.mount(workload, { parameters: { region, objects: single } }))[0]?.text,
    ).toBe("cached-2");
  });
});
