import { expect, test } from "bun:test";
import { suggestFieldName } from "./suggest-field-name.ts";

const known = ["objectName", "objectType", "objectAlias", "jmesPath"];

test("suggestFieldName() suggests the closest known field, ignoring case", () => {
  expect(suggestFieldName("objectNme", known)).toBe('; did you mean "objectName"?');
  expect(suggestFieldName("JMESPATH_", known)).toBe('; did you mean "jmesPath"?');
});

test("suggestFieldName() treats a forgotten object prefix as an exact match", () => {
  expect(suggestFieldName("alias", known)).toBe('; did you mean "objectAlias"?');
});

test("suggestFieldName() lists the known fields when none is close", () => {
  expect(suggestFieldName("region", known)).toBe(
    "; known fields are objectName, objectType, objectAlias, jmesPath",
  );
});

test("suggestFieldName() names what the known names are", () => {
  expect(suggestFieldName("zone", ["region", "objects"], { noun: "parameters" })).toBe(
    "; known parameters are region, objects",
  );
});
