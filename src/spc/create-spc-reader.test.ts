import { describe, expect, test } from "bun:test";
import { Code, ProviderError } from "../errors.ts";
import { createSpcReader } from "./create-spc-reader.ts";

const objects = "- {objectName: db, objectType: secretsmanager}";
const pod = (name: string) => ({
  "csi.storage.k8s.io/pod.name": name,
  "csi.storage.k8s.io/pod.namespace": "ns",
  secretProviderClass: "spc",
});

describe("createSpcReader()", () => {
  test("returns the same validated SPC for every pod that mounts it", () => {
    const read = createSpcReader();
    const a = read(
      { ...pod("a"), region: "us-east-1", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    const b = read(
      { ...pod("b"), region: "us-east-1", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    expect(b).toBe(a);
    expect(a.descriptors[0]?.filePath).toBe("db");
  });

  test("any input of readSpc changes the answer: parameters, default mode, AWS_REGION, SPC name", () => {
    const read = createSpcReader();
    const base = read(
      { ...pod("a"), region: "us-east-1", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    const otherMode = read(
      { ...pod("a"), region: "us-east-1", objects },
      { defaultMode: 0o600, awsRegion: undefined },
    );
    expect(otherMode.descriptors[0]?.mode).toBe(0o600);
    const otherRegion = read(
      { ...pod("a"), objects },
      { defaultMode: 0o644, awsRegion: "eu-west-1" },
    );
    expect(otherRegion).not.toBe(base);
    const translated = read(
      {
        ...pod("a"),
        region: "us-east-1",
        pathTranslation: "-",
        objects: "- {objectName: a/b, objectType: secretsmanager}",
      },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    expect(translated.descriptors[0]?.filePath).toBe("a-b");
  });

  test("an invalid SPC fails the same way every time", () => {
    const read = createSpcReader();
    const attempt = () =>
      read(
        { ...pod("a"), region: "nowhere", objects },
        { defaultMode: 0o644, awsRegion: undefined },
      );
    expect(attempt).toThrow(ProviderError);
    try {
      attempt();
    } catch (error) {
      expect((error as ProviderError).code).toBe(Code.InvalidArgument);
    }
  });

  test("keeps at most maxEntries SPCs", () => {
    const read = createSpcReader({ maxEntries: 2 });
    const first = read(
      { ...pod("a"), region: "us-east-1", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    read(
      { ...pod("a"), region: "us-east-2", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    read(
      { ...pod("a"), region: "us-west-1", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    const again = read(
      { ...pod("a"), region: "us-east-1", objects },
      { defaultMode: 0o644, awsRegion: undefined },
    );
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  test("hands the warnings over once per SPC, not once per pod", () => {
    const read = createSpcReader();
    const heard: string[][] = [];
    const options = {
      defaultMode: 0o644,
      awsRegion: undefined,
      onWarnings: (warnings: readonly { where: string }[]) =>
        heard.push(warnings.map((warning) => warning.where)),
    };
    for (const name of ["a", "b", "c"])
      read({ ...pod(name), regoin: "us-east-1", objects }, options);
    expect(heard).toEqual([["regoin"]]);
    read({ ...pod("a"), objects }, options);
    expect(heard).toHaveLength(1);
  });

  test("an unknown parameter is part of the key: SPCs that differ only there do not share warnings", () => {
    const read = createSpcReader();
    const options = { defaultMode: 0o644, awsRegion: undefined };
    const clean = read({ ...pod("a"), objects }, options);
    const typo = read({ ...pod("a"), objects, usepodidentity: "true" }, options);
    expect(clean.warnings).toEqual([]);
    expect(typo.warnings.map((warning) => warning.where)).toEqual(["usepodidentity"]);
  });
});

describe("createSpcReader() memory bound", () => {
  test("keeps at most maxCharacters of SPC text, dropping the least recently used", () => {
    const read = createSpcReader({ maxCharacters: 1000 });
    const spc = (name: string) => ({
      ...pod("a"),
      region: "us-east-1",
      objects: `- {objectName: ${name}, objectType: secretsmanager}\n#${"x".repeat(300)}`,
    });
    const options = { defaultMode: 0o644, awsRegion: undefined };
    const first = read(spc("a"), options);
    read(spc("b"), options);
    expect(read(spc("a"), options)).toBe(first);
    // A third SPC of ~400 characters passes 1000: "b", now the least recently used, goes.
    const third = read(spc("c"), options);
    expect(read(spc("a"), options)).toBe(first);
    expect(read(spc("c"), options)).toBe(third);
    const b = read(spc("b"), options);
    expect(read(spc("b"), options)).toBe(b);
    expect(read(spc("a"), options)).not.toBe(first);
  });
});
