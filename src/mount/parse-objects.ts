import * as jmespath from "jmespath";
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  visit,
  type YAMLMap,
} from "yaml";
import { parseArn } from "./parse-arn.ts";
import type {
  FailoverObject,
  JmesPathEntry,
  ObjectType,
  Problem,
  SecretDescriptor,
  SpcParameters,
} from "./secret-descriptor.ts";
import { checkFilePath, toFilePath } from "./to-file-path.ts";

/** Options of {@link parseObjects}. */
export interface ParseObjectsOptions {
  /** The validated top-level parameters: pathTranslation and failoverRegion are used here. */
  parameters: SpcParameters;
  /** Mode of files without `filePermission`: the request's `permission`. */
  defaultMode: number;
  /**
   * The primary region when it is known before any network call (SPC `region`, else AWS_REGION).
   * ARNs in objectName must be in it; `undefined` skips that check.
   */
  region: string | undefined;
}

const objectFields = [
  "objectName",
  "objectType",
  "objectAlias",
  "objectVersion",
  "objectVersionLabel",
  "filePermission",
  "jmesPath",
  "failoverObject",
] as const;
const jmesPathFields = ["path", "objectAlias", "filePermission"] as const;
const failoverFields = ["objectName", "objectVersion", "objectVersionLabel"] as const;

const objectTypes: readonly ObjectType[] = ["secretsmanager", "ssmparameter"];
const arnServices: Readonly<Record<string, ObjectType>> = {
  secretsmanager: "secretsmanager",
  ssm: "ssmparameter",
};
const arnResourcePrefixes: Readonly<Record<ObjectType, string>> = {
  secretsmanager: "secret:",
  ssmparameter: "parameter/",
};
const arnKind: Readonly<Record<ObjectType, string>> = {
  secretsmanager: "a Secrets Manager ARN",
  ssmparameter: "an SSM parameter ARN",
};
const objectKind: Readonly<Record<ObjectType, string>> = {
  secretsmanager: "a Secrets Manager secret",
  ssmparameter: "an SSM parameter",
};

// @types/jmespath declares only `search`; jmespath 0.16 also exports `compile`, which parses
// without evaluating (an evaluation could fail for reasons that are not syntax).
const compileJmesPath: (expression: string) => unknown =
  (jmespath as unknown as { compile?: (expression: string) => unknown }).compile ??
  ((expression) => jmespath.search({}, expression));

/**
 * Parses and validates the `objects` YAML of a SecretProviderClass (SPEC §3.1) into descriptors.
 * Field names match case-insensitively; plain scalars are read as their source text, so an
 * unquoted `filePermission: 0600` stays `"0600"` and `objectVersion: 3` becomes `"3"`; `null`,
 * `~` and `""` count as absent. `objectType` values match case-insensitively too.
 *
 * Every problem is appended to `problems` and every questionable-but-harmless thing (an unknown
 * field, a YAML warning) to `warnings`, each with `where` naming the object by index and
 * objectName and the field, and `offset` pointing into `objectsYaml`. Never throws on any input.
 * @returns the descriptors of the objects without problems, in SPC order; complete only when no
 *   problem was added
 */
export function parseObjects(
  objectsYaml: string,
  options: ParseObjectsOptions,
  problems: Problem[],
  warnings: Problem[],
): SecretDescriptor[] {
  const doc = parseDocument(objectsYaml, { prettyErrors: false });
  const ctx: Context = {
    options,
    problems,
    warnings,
    anchors: new Map(),
    files: new Map(),
    directories: new Map(),
  };
  for (const error of doc.errors) {
    report(problems, "objects", `is not valid YAML: ${error.message}`, error.pos[0]);
  }
  if (doc.errors.length > 0) return [];
  for (const warning of doc.warnings) {
    report(warnings, "objects", `YAML: ${warning.message}`, warning.pos[0]);
  }
  if (!resolveAnchors(doc, ctx)) return [];

  const root = deref(doc.contents, ctx);
  if (isBlank(root) || (isSeq(root) && root.items.length === 0)) {
    report(problems, "objects", "no objects to mount: the list is empty", offsetOf(root));
    return [];
  }
  if (!isSeq(root)) {
    report(
      problems,
      "objects",
      `must be a YAML list of objects, got ${describe(root)}`,
      offsetOf(root),
    );
    return [];
  }
  const descriptors: SecretDescriptor[] = [];
  root.items.forEach((item, index) => {
    const descriptor = parseObject(item, index, ctx);
    if (descriptor !== undefined) descriptors.push(descriptor);
  });
  return descriptors;
}

interface Context {
  options: ParseObjectsOptions;
  problems: Problem[];
  warnings: Problem[];
  /** Alias node → the node its anchor names. */
  anchors: Map<Alias, Node>;
  /** File path → the field that produced it, for collision messages. */
  files: Map<string, string>;
  /** Directory path → the first field whose file needs it. */
  directories: Map<string, string>;
}

function parseObject(item: unknown, index: number, ctx: Context): SecretDescriptor | undefined {
  const problemsBefore = ctx.problems.length;
  const node = deref(item, ctx);
  if (!isMap(node)) {
    report(
      ctx.problems,
      `objects[${index}]`,
      `must be a map with objectName and objectType, got ${describe(node)}`,
      offsetOf(node),
    );
    return undefined;
  }
  const fields = readFields(node, objectFields, ctx);
  const peekedName = peekText(fields.get("objectName"), ctx);
  const where =
    peekedName === undefined ? `objects[${index}]` : `objects[${index}] (${quote(peekedName)})`;
  reportFieldIssues(fields, where, ctx);

  const objectName = readRequired(fields, "objectName", where, ctx);
  const typeText = readText(fields, "objectType", where, ctx);
  const objectAlias = readText(fields, "objectAlias", where, ctx);
  const objectVersion = readText(fields, "objectVersion", where, ctx);
  const objectVersionLabel = readText(fields, "objectVersionLabel", where, ctx);
  const mode = readMode(fields, where, ctx) ?? ctx.options.defaultMode;

  const objectType = readObjectType(objectName, typeText, fields, where, ctx);
  if (objectType === "ssmparameter")
    checkSsmVersions(objectVersion, objectVersionLabel, fields, where, ctx);

  const fileSource = objectAlias === undefined ? "objectName" : "objectAlias";
  const fileName = objectAlias ?? objectName;
  const filePath =
    fileName === undefined
      ? undefined
      : claimFile(fileName, `${where}.${fileSource}`, fields.get(fileSource), ctx);
  const jmesPath = readJmesPath(fields, where, mode, ctx);
  const failoverObject = readFailoverObject(
    fields,
    { where, objectType, objectAlias, objectVersion },
    ctx,
  );

  if (ctx.problems.length > problemsBefore) return undefined;
  if (objectName === undefined || objectType === undefined || filePath === undefined)
    return undefined;
  return {
    index,
    objectType,
    objectName,
    objectAlias,
    objectVersion,
    objectVersionLabel,
    filePath,
    mode,
    jmesPath,
    failoverObject,
  };
}

/**
 * The type from `objectType` and, for an ARN, from its service; checks the ARN against the
 * primary region. Parity: provider/secret_descriptor.go validateObjectName (but the objectType
 * value is matched case-insensitively here).
 */
function readObjectType(
  objectName: string | undefined,
  typeText: string | undefined,
  fields: Fields,
  where: string,
  ctx: Context,
): ObjectType | undefined {
  let objectType: ObjectType | undefined;
  if (typeText !== undefined) {
    objectType = objectTypes.find((type) => type === typeText.toLowerCase());
    if (objectType === undefined) {
      const fix =
        typeText.toLowerCase() === "ssm"
          ? 'use "ssmparameter"'
          : 'use "secretsmanager" or "ssmparameter"';
      report(
        ctx.problems,
        `${where}.objectType`,
        `${quote(typeText)} is not an object type: ${fix}`,
        offsetOf(fields.get("objectType")),
      );
      return undefined;
    }
  }
  if (objectName === undefined) return objectType;
  if (!objectName.startsWith("arn:")) {
    if (typeText === undefined) {
      report(
        ctx.problems,
        `${where}.objectType`,
        'is required when objectName is not an ARN: use "secretsmanager" or "ssmparameter"',
        fields.offset,
      );
    }
    return objectType;
  }
  const arnType = checkArn(
    objectName,
    { where: `${where}.objectName`, node: fields.get("objectName") },
    { region: ctx.options.region, regionName: "the region" },
    ctx,
  );
  if (arnType !== undefined && objectType !== undefined && arnType !== objectType) {
    report(
      ctx.problems,
      `${where}.objectType`,
      `${quote(typeText ?? "")} does not match the ARN in objectName, which is ${arnKind[arnType]}`,
      offsetOf(fields.get("objectType")),
    );
    return undefined;
  }
  return objectType ?? arnType;
}

/**
 * Checks an ARN used as objectName (primary or failover) and returns the object type its service
 * means, or `undefined` when it does not parse or names another service.
 */
function checkArn(
  text: string,
  at: { where: string; node: unknown },
  against: { region: string | undefined; regionName: string },
  ctx: Context,
): ObjectType | undefined {
  const offset = offsetOf(at.node);
  const fail = (message: string) => report(ctx.problems, at.where, message, offset);
  const arn = parseArn(text);
  if (arn === undefined) {
    fail(
      `${quote(text)} is not a valid ARN: expected arn:<partition>:<service>:<region>:<account>:<resource>`,
    );
    return undefined;
  }
  const type = arnServices[arn.service];
  if (type === undefined) {
    fail(`ARN service ${quote(arn.service)} is not supported: use a "secretsmanager" or "ssm" ARN`);
    return undefined;
  }
  if (arn.region === "") {
    fail("ARN has no region: write the region between the service and the account");
  } else if (against.region !== undefined && arn.region !== against.region) {
    fail(
      `ARN region ${quote(arn.region)} does not match ${against.regionName} ${quote(against.region)}`,
    );
  }
  if (!/^[0-9]{12}$/.test(arn.accountId)) {
    fail(`ARN account ${quote(arn.accountId)} must be 12 digits`);
  }
  const prefix = arnResourcePrefixes[type];
  if (!arn.resource.startsWith(prefix) || arn.resource.length === prefix.length) {
    fail(`${arnKind[type]} must have a resource "${prefix}<name>", got ${quote(arn.resource)}`);
  }
  return type;
}

// Parity: provider/secret_descriptor.go rejects objectVersion with objectVersionLabel for SSM.
function checkSsmVersions(
  version: string | undefined,
  label: string | undefined,
  fields: Fields,
  where: string,
  ctx: Context,
): void {
  if (version === undefined || label === undefined) return;
  report(
    ctx.problems,
    `${where}.objectVersionLabel`,
    "cannot be used together with objectVersion for an SSM parameter: keep one of them",
    offsetOf(fields.get("objectVersionLabel")),
  );
}

function readMode(fields: Fields, where: string, ctx: Context): number | undefined {
  const text = readText(fields, "filePermission", where, ctx);
  if (text === undefined) return undefined;
  if (/^0[0-7]{3}$/.test(text)) return Number.parseInt(text, 8);
  report(
    ctx.problems,
    `${where}.filePermission`,
    `${quote(text)} must be 4 octal digits starting with 0, such as "0600"`,
    offsetOf(fields.get("filePermission")),
  );
  return undefined;
}

function readJmesPath(
  fields: Fields,
  where: string,
  parentMode: number,
  ctx: Context,
): JmesPathEntry[] {
  const node = deref(fields.get("jmesPath"), ctx);
  if (isBlank(node)) return [];
  if (!isSeq(node)) {
    report(
      ctx.problems,
      `${where}.jmesPath`,
      `must be a list of {path, objectAlias} maps, got ${describe(node)}`,
      offsetOf(node),
    );
    return [];
  }
  const entries: JmesPathEntry[] = [];
  node.items.forEach((item, index) => {
    const entryWhere = `${where}.jmesPath[${index}]`;
    const entry = deref(item, ctx);
    if (!isMap(entry)) {
      report(
        ctx.problems,
        entryWhere,
        `must be a map with path and objectAlias, got ${describe(entry)}`,
        offsetOf(entry),
      );
      return;
    }
    const entryFields = readFields(entry, jmesPathFields, ctx);
    reportFieldIssues(entryFields, entryWhere, ctx);
    const path = readRequired(entryFields, "path", entryWhere, ctx);
    const isPathValid = path !== undefined && checkJmesPath(path, entryFields, entryWhere, ctx);
    const alias = readRequired(entryFields, "objectAlias", entryWhere, ctx);
    const mode = readMode(entryFields, entryWhere, ctx) ?? parentMode;
    const filePath =
      alias === undefined
        ? undefined
        : claimFile(alias, `${entryWhere}.objectAlias`, entryFields.get("objectAlias"), ctx);
    if (isPathValid && filePath !== undefined) entries.push({ path, filePath, mode });
  });
  return entries;
}

function checkJmesPath(path: string, fields: Fields, where: string, ctx: Context): boolean {
  try {
    compileJmesPath(path);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // `user-name` parses as `user - name`, the usual mistake with secrets whose keys have dashes.
    const hint =
      /\w-\w/.test(path) && !path.includes('"')
        ? `; put keys that contain "-" in double quotes, as in '"user-name"'`
        : "";
    report(
      ctx.problems,
      `${where}.path`,
      `${quote(path)} is not a valid JMESPath expression: ${reason}${hint}`,
      offsetOf(fields.get("path")),
    );
    return false;
  }
}

interface FailoverParent {
  where: string;
  objectType: ObjectType | undefined;
  objectAlias: string | undefined;
  objectVersion: string | undefined;
}

function readFailoverObject(
  fields: Fields,
  parent: FailoverParent,
  ctx: Context,
): FailoverObject | undefined {
  const node = deref(fields.get("failoverObject"), ctx);
  if (isBlank(node)) return undefined;
  const where = `${parent.where}.failoverObject`;
  if (!isMap(node)) {
    report(
      ctx.problems,
      where,
      `must be a map with objectName, got ${describe(node)}`,
      offsetOf(node),
    );
    return undefined;
  }
  const failoverFields_ = readFields(node, failoverFields, ctx);
  reportFieldIssues(failoverFields_, where, ctx);
  const objectName = readRequired(failoverFields_, "objectName", where, ctx);
  const objectVersion = readText(failoverFields_, "objectVersion", where, ctx);
  const objectVersionLabel = readText(failoverFields_, "objectVersionLabel", where, ctx);
  const failoverRegion = ctx.options.parameters.failoverRegion;

  // Parity: provider/secret_descriptor.go requires an alias, so the file name does not change
  // with the region that answered.
  if (parent.objectAlias === undefined) {
    report(
      ctx.problems,
      `${parent.where}.objectAlias`,
      "is required when failoverObject is set, so that both regions write the same file",
      fields.offset,
    );
  }
  if (failoverRegion === undefined) {
    report(
      ctx.problems,
      where,
      'needs a valid "failoverRegion" parameter: set failoverRegion or remove failoverObject',
      offsetOf(node),
    );
  }
  if (objectName?.startsWith("arn:")) {
    const arnType = checkArn(
      objectName,
      { where: `${where}.objectName`, node: failoverFields_.get("objectName") },
      { region: failoverRegion, regionName: "failoverRegion" },
      ctx,
    );
    if (arnType !== undefined && parent.objectType !== undefined && arnType !== parent.objectType) {
      report(
        ctx.problems,
        `${where}.objectName`,
        `is ${arnKind[arnType]}, but the object is ${objectKind[parent.objectType]}`,
        offsetOf(failoverFields_.get("objectName")),
      );
    }
  }
  if (parent.objectType === "ssmparameter") {
    checkSsmVersions(objectVersion, objectVersionLabel, failoverFields_, where, ctx);
  }
  if (objectVersion !== parent.objectVersion) {
    const at = `${where}.objectVersion`;
    const offset = offsetOf(failoverFields_.get("objectVersion")) ?? offsetOf(node);
    if (objectVersion === undefined) {
      report(
        ctx.problems,
        at,
        `is required and must equal the objectVersion of the object, ${quote(parent.objectVersion ?? "")}`,
        offset,
      );
    } else if (parent.objectVersion === undefined) {
      report(
        ctx.problems,
        at,
        `${quote(objectVersion)} must not be set, because the object has no objectVersion`,
        offset,
      );
    } else {
      report(
        ctx.problems,
        at,
        `${quote(objectVersion)} must equal the objectVersion of the object, ${quote(parent.objectVersion)}`,
        offset,
      );
    }
  }
  if (objectName === undefined) return undefined;
  return { objectName, objectVersion, objectVersionLabel };
}

/**
 * Translates a name into a file path, checks it and records it, so that no two files share a
 * path and no path is both a file and a directory. Returns the path when it was accepted.
 */
function claimFile(name: string, where: string, node: unknown, ctx: Context): string | undefined {
  const offset = offsetOf(deref(node, ctx));
  const path = toFilePath(name, ctx.options.parameters.pathTranslation);
  const problem = checkFilePath(path);
  if (problem !== undefined) {
    report(ctx.problems, where, problem, offset);
    return undefined;
  }
  const sameFile = ctx.files.get(path);
  if (sameFile !== undefined) {
    report(ctx.problems, where, `file path ${quote(path)} is already used by ${sameFile}`, offset);
    return undefined;
  }
  const sameDirectory = ctx.directories.get(path);
  if (sameDirectory !== undefined) {
    report(
      ctx.problems,
      where,
      `file path ${quote(path)} is already a directory, holding the file of ${sameDirectory}`,
      offset,
    );
    return undefined;
  }
  const elements = path.split("/");
  const parents = elements.slice(1).map((_, i) => elements.slice(0, i + 1).join("/"));
  for (const parent of parents) {
    const file = ctx.files.get(parent);
    if (file !== undefined) {
      report(
        ctx.problems,
        where,
        `file path ${quote(path)} needs ${quote(parent)} to be a directory, but ${file} writes a file there`,
        offset,
      );
      return undefined;
    }
  }
  ctx.files.set(path, where);
  for (const parent of parents)
    if (!ctx.directories.has(parent)) ctx.directories.set(parent, where);
  return path;
}

/** The known fields of one YAML map, matched case-insensitively, plus what did not match. */
interface Fields {
  get(name: string): unknown;
  /** Offset of the map itself, for problems about missing fields. */
  offset: number | undefined;
  known: readonly string[];
  unknown: { name: string; node: unknown }[];
  duplicates: { name: string; spellings: [string, string]; node: unknown }[];
}

function readFields(map: YAMLMap, known: readonly string[], ctx: Context): Fields {
  const byLowerCase = new Map(known.map((name) => [name.toLowerCase(), name]));
  const values = new Map<string, { spelling: string; node: unknown }>();
  const fields: Fields = {
    get: (name) => values.get(name)?.node,
    offset: offsetOf(map),
    known,
    unknown: [],
    duplicates: [],
  };
  const add = (pairs: YAMLMap["items"], isMerged: boolean) => {
    for (const pair of pairs) {
      const key = deref(pair.key, ctx);
      const spelling =
        isScalar(key) && key.value !== null ? String(key.source ?? key.value) : undefined;
      if (spelling === "<<" && !isMerged) continue;
      const name = spelling === undefined ? undefined : byLowerCase.get(spelling.toLowerCase());
      if (name === undefined) {
        if (!isMerged) fields.unknown.push({ name: spelling ?? describe(key), node: key });
        continue;
      }
      const existing = values.get(name);
      if (existing === undefined)
        values.set(name, { spelling: spelling ?? name, node: pair.value });
      else if (!isMerged) {
        fields.duplicates.push({
          name,
          spellings: [existing.spelling, spelling ?? name],
          node: key,
        });
      }
    }
  };
  add(map.items, false);
  // YAML 1.1 merge keys (`<<: *defaults`), which upstream's YAML library honours: explicit
  // fields win, merged ones fill the gaps.
  for (const pair of map.items) {
    const key = deref(pair.key, ctx);
    if (!isScalar(key) || key.source !== "<<") continue;
    const value = deref(pair.value, ctx);
    const sources = isSeq(value) ? value.items.map((item) => deref(item, ctx)) : [value];
    for (const source of sources) if (isMap(source)) add(source.items, true);
  }
  return fields;
}

function reportFieldIssues(fields: Fields, where: string, ctx: Context): void {
  for (const { name, node } of fields.unknown) {
    report(
      ctx.warnings,
      `${where}.${name}`,
      `unknown field ${quote(name)} is ignored${suggest(name, fields)}`,
      offsetOf(node),
    );
  }
  for (const { name, spellings, node } of fields.duplicates) {
    report(
      ctx.problems,
      `${where}.${name}`,
      `is given twice, as ${quote(spellings[0])} and ${quote(spellings[1])} (field names ignore case): keep one`,
      offsetOf(node),
    );
  }
}

function suggest(name: string, fields: Fields): string {
  const known = fields.known;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(lower.length / 4));
  for (const candidate of known) {
    const candidateLower = candidate.toLowerCase();
    // `name`, `alias`, `version`: the "object" prefix forgotten.
    const distance = candidateLower === `object${lower}` ? 0 : editDistance(lower, candidateLower);
    if (distance <= bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return `; did you mean ${quote(best)}?`;
  return `; known fields are ${known.join(", ")}`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}

/** A scalar field as text: the source text of plain scalars, `undefined` when absent or blank. */
function readText(fields: Fields, name: string, where: string, ctx: Context): string | undefined {
  const node = deref(fields.get(name), ctx);
  if (isBlank(node)) return undefined;
  if (!isScalar(node)) {
    report(
      ctx.problems,
      `${where}.${name}`,
      `must be a string, got ${describe(node)}`,
      offsetOf(node),
    );
    return undefined;
  }
  return String(node.source ?? node.value);
}

function readRequired(
  fields: Fields,
  name: string,
  where: string,
  ctx: Context,
): string | undefined {
  const node = deref(fields.get(name), ctx);
  if (isBlank(node)) {
    report(ctx.problems, `${where}.${name}`, "is required", offsetOf(node) ?? fields.offset);
    return undefined;
  }
  return readText(fields, name, where, ctx);
}

function peekText(node: unknown, ctx: Context): string | undefined {
  const value = deref(node, ctx);
  if (isBlank(value) || !isScalar(value)) return undefined;
  return String(value.source ?? value.value);
}

function isBlank(node: unknown): boolean {
  if (node === undefined || node === null) return true;
  return isScalar(node) && (node.value === null || node.value === "");
}

/**
 * Maps every alias to its anchor's node in one pass (`Alias.resolve` walks the whole document on
 * each call). An alias to a missing anchor is a problem.
 */
function resolveAnchors(doc: Document, ctx: Context): boolean {
  const latest = new Map<string, Node>();
  let isOk = true;
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = latest.get(node.source);
        if (target === undefined) {
          isOk = false;
          report(
            ctx.problems,
            "objects",
            `alias "*${node.source}" refers to no anchor defined before it`,
            offsetOf(node),
          );
        } else {
          ctx.anchors.set(node, target);
        }
      } else if (node.anchor !== undefined) {
        latest.set(node.anchor, node);
      }
    },
  });
  return isOk;
}

function deref(node: unknown, ctx: Context): unknown {
  let current = node;
  // Anchors cannot point at aliases, so one hop is enough; the bound is only a safety net.
  for (let hops = 0; isAlias(current) && hops < 8; hops++) current = ctx.anchors.get(current);
  return isAlias(current) ? undefined : current;
}

function describe(node: unknown): string {
  if (isBlank(node)) return "nothing";
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a map";
  if (isScalar(node)) {
    const text = String(node.source ?? node.value);
    if (typeof node.value === "string") return `the string ${quote(text)}`;
    return typeof node.value === "number" ? `the number ${text}` : `the value ${quote(text)}`;
  }
  return "an unsupported YAML node";
}

function offsetOf(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

function report(list: Problem[], where: string, message: string, offset: number | undefined): void {
  list.push(offset === undefined ? { where, message } : { where, message, offset });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
