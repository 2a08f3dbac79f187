import {
  Composer,
  CST,
  Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  type Node,
  type ParsedNode,
  Parser,
  YAMLParseError,
} from "yaml";
import { offsetOf } from "./describe-node.ts";
import { parseSimpleYaml } from "./parse-simple-yaml.ts";
import { reportProblem } from "./report-problem.ts";
import type { Problem } from "./secret-descriptor.ts";
import { spcLimits } from "./spc-limits.ts";

/**
 * Tokens counted as nodes: those that make a node or a pair, and those that cost as much when
 * the composer turns them into an error each (`]]]]`, `!t !t !t`): about 6 µs apiece. A scalar's
 * text follows its marker and is not counted again.
 */
const nodeTokens = new Set<string | null>([
  "scalar",
  "single-quoted-scalar",
  "double-quoted-scalar",
  "alias",
  "anchor",
  "tag",
  "flow-seq-start",
  "flow-map-start",
  "flow-seq-end",
  "flow-map-end",
  "seq-item-ind",
  "explicit-key-ind",
  "map-value-ind",
]);

/** Parsing stops at this many syntax errors the parser itself finds (`]]]]…` makes one each). */
const stopAfterErrors = 100;

/** Thrown out of the token stream to stop the parser when a limit is passed. */
class LimitPassed extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Parses the `objects` YAML into one document, within {@link spcLimits}: its size is checked
 * first, then its nesting depth and node count on the tokens, as the parser consumes them, so a
 * document past a limit is never built (2 MB of `[[[…` used to take 1 GiB). Keys are checked for
 * uniqueness in one pass afterwards: the YAML library compares each key with every earlier one of
 * its map, so a map of 40,000 keys took 16 s.
 *
 * The usual shapes of `objects` are read by `parseSimpleYaml`, into the same nodes, at a third to
 * a half of the library's cost; the library reads everything else.
 *
 * Every problem (syntax errors, duplicate keys, a limit) is appended to `problems` at `objects`,
 * YAML errors after the first {@link spcLimits.yamlErrorsListed} only counted.
 * @returns the document, or `undefined` when any problem was found
 */
export function parseYamlDocument(source: string, problems: Problem[]): Document | undefined {
  const limits = spcLimits;
  const bytes = source.length > limits.objectsYamlBytes ? source.length : Buffer.byteLength(source);
  if (bytes > limits.objectsYamlBytes) {
    reportProblem(
      problems,
      "objects",
      `is ${bytes} bytes long, more than the limit of ${limits.objectsYamlBytes} bytes (what Kubernetes stores in one object): split the objects over several SecretProviderClasses`,
      undefined,
    );
    return undefined;
  }

  const simple = parseSimpleYaml(source, limits.yamlNodes);
  const doc = simple === undefined ? parseWithLibrary(source, problems) : toDocument(simple);
  if (doc === undefined) return undefined;
  return reportErrors(doc, problems) ? undefined : doc;
}

function toDocument(contents: Node): Document {
  const doc = new Document();
  doc.contents = contents;
  return doc;
}

/** The YAML library's reading of `source`, within the limits; `undefined` when one was passed. */
function parseWithLibrary(
  source: string,
  problems: Problem[],
): Document.Parsed<ParsedNode> | undefined {
  const limits = spcLimits;
  const parser = new Parser();
  function* tokens() {
    let nodes = 0;
    let errors = 0;
    let firstError: string | undefined;
    let isScalarText = false;
    for (const lexeme of new Lexer().lex(source)) {
      const type: string | null = isScalarText ? null : CST.tokenType(lexeme);
      isScalarText = type === "scalar";
      if (nodeTokens.has(type) && ++nodes > limits.yamlNodes) {
        throw new LimitPassed(
          `has more than ${limits.yamlNodes} YAML nodes, the limit: split the objects over several SecretProviderClasses`,
          parser.offset,
        );
      }
      for (const token of parser.next(lexeme)) {
        // Each is an error of the document later: far more than a user reads, slow to make.
        if (token.type === "error" && ++errors > stopAfterErrors) {
          throw new LimitPassed(
            `is not valid YAML: more than ${stopAfterErrors} syntax errors, the first: ${firstError}`,
            token.offset,
          );
        }
        if (token.type === "error") firstError ??= cut(token.message);
        yield token;
      }
      if (parser.stack.length > limits.yamlDepth) {
        throw new LimitPassed(
          `nests YAML collections more than ${limits.yamlDepth} levels deep, the limit`,
          parser.offset,
        );
      }
    }
    yield* parser.end();
  }

  let doc: Document.Parsed<ParsedNode> | undefined;
  try {
    // What parseDocument does, with the limits in the token stream and without its quadratic
    // key check (uniqueKeys), which is done below instead.
    const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
    for (const next of composer.compose(tokens(), true, source.length)) {
      if (doc === undefined) {
        doc = next;
        continue;
      }
      doc.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          "MULTIPLE_DOCS",
          "Source contains multiple documents; please use YAML.parseAllDocuments()",
        ),
      );
      break;
    }
  } catch (error) {
    if (!(error instanceof LimitPassed)) throw error;
    reportProblem(problems, "objects", error.message, error.offset);
    return undefined;
  }
  return doc;
}

/**
 * Appends the syntax errors and duplicate keys of `doc` to `problems`.
 * @returns whether there were any
 */
function reportErrors(doc: Document, problems: Problem[]): boolean {
  const limits = spcLimits;
  const errors = [...doc.errors, ...findDuplicateKeys(doc)];
  for (const error of errors.slice(0, limits.yamlErrorsListed)) {
    reportProblem(problems, "objects", `is not valid YAML: ${cut(error.message)}`, error.pos[0]);
  }
  if (errors.length > limits.yamlErrorsListed) {
    reportProblem(
      problems,
      "objects",
      `is not valid YAML: ${errors.length - limits.yamlErrorsListed} more errors`,
      undefined,
    );
  }
  return errors.length > 0;
}

/** A message of the YAML library, which may quote a whole token of the input, cut to 200 characters. */
function cut(message: string): string {
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/**
 * Keys given twice in one map, as the YAML library's `uniqueKeys` finds them (scalars with the
 * same value; other keys only when they are the same node), with a set per map. A walk of its own
 * in the order of the library's `visit` (a map before its pairs, a key before its value; aliases
 * not followed), which costs several times less than `visit` with its visitor and path per node.
 */
function findDuplicateKeys(doc: Document): YAMLParseError[] {
  const found: YAMLParseError[] = [];
  const walk = (node: unknown): void => {
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    } else if (isMap(node)) {
      const values = new Set<unknown>();
      const nodes = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        let isDuplicate: boolean;
        if (isScalar(key) && !Number.isNaN(key.value)) {
          isDuplicate = values.has(key.value);
          values.add(key.value);
        } else {
          isDuplicate = nodes.has(key);
          nodes.add(key);
        }
        if (isDuplicate) {
          const offset = offsetOf(key) ?? offsetOf(node) ?? 0;
          found.push(
            new YAMLParseError([offset, offset + 1], "DUPLICATE_KEY", "Map keys must be unique"),
          );
        }
      }
      for (const pair of node.items) walk(pair);
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return found;
}
