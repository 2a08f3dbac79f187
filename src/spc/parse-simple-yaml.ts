import { type Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";

/**
 * The YAML that nearly every SecretProviderClass's `objects` is, parsed without the YAML library:
 * a block list whose items are block or one-line flow maps, with nested block or flow lists and
 * maps (`jmesPath`, `failoverObject`), plain scalars that can only be strings, quoted scalars
 * without escapes or line breaks, and comments. It builds the same nodes the library composes
 * (kind, value, source text, start offset), which the SPC rules read as they read the library's;
 * `parse-simple-yaml.test.ts` compares both on generated and mutated documents.
 *
 * Why: the library's lexer, parser and composer cost 1–1.5 ms of CPU for 20 objects in the
 * binary, a quarter of the first Mount of a new SecretProviderClass (`make bench`); reading the
 * SPC costs about half that with this reader (a third in a warm process: 0.46 → 0.15 ms).
 *
 * Anything else (tabs, CR, anchors, aliases, tags, block scalars, multi-line scalars, escapes,
 * empty values, numbers, booleans and nulls, merge keys, document markers, deep nesting, more
 * nodes than the limit) gives `undefined`, and the caller parses with the library, which also
 * finds and words every error.
 * @returns the root list, or `undefined` when the text is outside this subset
 */
export function parseSimpleYaml(source: string, maxNodes: number): Node | undefined {
  if (/[\t\r\0\uFEFF]/.test(source)) return undefined;
  try {
    return new SimpleParser(source, maxNodes).parseDocument();
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
}

/** Thrown inside the parser when the text leaves the subset. */
class OutsideSubset extends Error {}
function outside(): never {
  throw new OutsideSubset();
}

/** Deepest nesting of collections taken (block and flow together). */
const maxDepth = 6;

/** Plain scalar text that can only resolve to a string: starts with a letter, `_` or `/`. */
const plainStart = /[A-Za-z_/]/;
/** Characters a plain scalar may hold here (block context adds `:` and inner spaces). */
const plainFlowCharacter = /[A-Za-z0-9_./@+=-]/;
/** Plain scalars the core schema reads as something other than a string. */
const specialWords = new Set([
  "null",
  "Null",
  "NULL",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
]);

/** Whether `- ` (a block list item) starts at `column` of `text`. */
function startsListItem(text: string, column: number): boolean {
  return text[column] === "-" && text[column + 1] === " ";
}

class SimpleParser {
  private readonly lines: string[];
  private readonly starts: number[];
  private nodes = 0;

  constructor(
    source: string,
    private readonly maxNodes: number,
  ) {
    this.lines = source.split("\n");
    this.starts = [];
    let offset = 0;
    for (const line of this.lines) {
      this.starts.push(offset);
      offset += line.length + 1;
    }
  }

  parseDocument(): Node {
    const first = this.nextSignificant(0);
    if (first === undefined) outside();
    const indent = this.indentOf(first);
    const [root, next] = this.parseBlockSeq(first, indent, 1);
    if (this.nextSignificant(next) !== undefined) outside();
    return root;
  }

  private lineAt(i: number): string {
    return this.lines[i] ?? "";
  }

  /** Offset of line `i` in the source. */
  private startOf(i: number): number {
    return this.starts[i] ?? 0;
  }

  /** The first line from `from` on with content (not blank, not only a comment). */
  private nextSignificant(from: number): number | undefined {
    for (let i = from; i < this.lines.length; i++) {
      const line = this.lineAt(i);
      const indent = this.indentOf(i);
      if (indent < line.length && line[indent] !== "#") return i;
    }
    return undefined;
  }

  private indentOf(i: number): number {
    const line = this.lineAt(i);
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    return indent;
  }

  /**
   * Counts a node as the library path counts its tokens (`parse-yaml-document.ts`): each scalar,
   * `-`, `:`, and each flow collection's start and end; past the limit the library path reports it.
   */
  private count(): void {
    if (++this.nodes > this.maxNodes) outside();
  }

  /** A block list whose `-` stand in column `indent`, from line `i`. @returns it and the next line */
  private parseBlockSeq(i: number, indent: number, depth: number): [YAMLSeq, number] {
    if (depth > maxDepth) outside();
    const seq = new YAMLSeq();
    let line: number | undefined = i;
    while (line !== undefined) {
      const text = this.lineAt(line);
      const lineIndent = this.indentOf(line);
      if (lineIndent < indent) break;
      if (lineIndent > indent || !startsListItem(text, indent)) outside();
      if (seq.items.length === 0) seq.range = [this.startOf(line) + indent, 0, 0];
      let column = indent + 1;
      while (text[column] === " ") column++;
      if (column >= text.length || text[column] === "#") outside();
      this.count();
      const [item, next] = this.parseItem(line, column, depth);
      seq.items.push(item);
      line = this.nextSignificant(next);
    }
    return [seq, line ?? this.lines.length];
  }

  /** The node that starts at `column` of line `i` after `- `: a map, or a value as after `key: `. */
  private parseItem(i: number, column: number, depth: number): [Node, number] {
    const text = this.lineAt(i);
    if (startsListItem(text, column)) outside();
    if (this.findKeyEnd(text, column) !== undefined)
      return this.parseBlockMap(i, column, depth + 1);
    return this.parseValue(i, column, depth);
  }

  /** A block map whose keys stand in column `keyColumn`, from line `i`. */
  private parseBlockMap(i: number, keyColumn: number, depth: number): [YAMLMap, number] {
    if (depth > maxDepth) outside();
    const map = new YAMLMap();
    map.range = [this.startOf(i) + keyColumn, 0, 0];
    let line: number | undefined = i;
    while (line !== undefined) {
      const text = this.lineAt(line);
      const keyEnd = this.findKeyEnd(text, keyColumn);
      if (keyEnd === undefined) outside();
      const key = this.toKey(line, keyColumn, keyEnd);
      this.count();
      let valueColumn = keyEnd + 1;
      while (text[valueColumn] === " ") valueColumn++;
      let value: Node;
      let next: number;
      if (valueColumn < text.length && text[valueColumn] !== "#") {
        [value, next] = this.parseValue(line, valueColumn, depth);
      } else {
        // The value is the block on the following lines: a list may stand in the key's column.
        const below = this.nextSignificant(line + 1);
        if (below === undefined) outside();
        const belowIndent = this.indentOf(below);
        const belowText = this.lineAt(below);
        const isList = startsListItem(belowText, belowIndent);
        if (isList && belowIndent >= keyColumn) {
          [value, next] = this.parseBlockSeq(below, belowIndent, depth + 1);
        } else if (!isList && belowIndent > keyColumn) {
          [value, next] = this.parseBlockMap(below, belowIndent, depth + 1);
        } else {
          return outside();
        }
      }
      map.items.push(new Pair(key, value));
      line = this.nextSignificant(next);
      if (line === undefined) break;
      const lineIndent = this.indentOf(line);
      if (lineIndent < keyColumn) break;
      if (lineIndent > keyColumn) outside();
      if (startsListItem(this.lineAt(line), lineIndent)) break;
    }
    return [map, line ?? this.lines.length];
  }

  /** A value on the line of its key: a one-line flow collection or a scalar. */
  private parseValue(i: number, column: number, depth: number): [Node, number] {
    const text = this.lineAt(i);
    const c = text[column];
    if (c === "{" || c === "[") {
      const cursor = { line: i, at: column };
      const node = this.parseFlow(cursor, depth + 1);
      this.expectLineEnd(i, cursor.at);
      return [node, i + 1];
    }
    const [scalar, end] = this.parseBlockScalar(i, column);
    this.expectLineEnd(i, end);
    return [scalar, i + 1];
  }

  /**
   * Where the key that starts at `column` ends (the offset of its `:`, which a space or the end
   * of the line follows), or `undefined` when the line holds no such key there.
   */
  private findKeyEnd(text: string, column: number): number | undefined {
    const c = text[column];
    if (c === "'" || c === '"') {
      const close = this.findQuoteEnd(text, column);
      if (close === undefined) return undefined;
      return text[close] === ":" && (close + 1 === text.length || text[close + 1] === " ")
        ? close
        : undefined;
    }
    let at = column;
    while (at < text.length && plainFlowCharacter.test(text[at] as string)) at++;
    if (at === column || text[at] !== ":") return undefined;
    return at + 1 === text.length || text[at + 1] === " " ? at : undefined;
  }

  /** The key scalar between `column` and `end` (its `:`). */
  private toKey(i: number, column: number, end: number): Scalar {
    const text = this.lineAt(i);
    const c = text[column];
    if (c === "'" || c === '"') {
      // findKeyEnd found its closing quote right before `end`.
      return this.parseQuoted(i, column)[0];
    }
    return this.toPlain(text.slice(column, end), this.startOf(i) + column);
  }

  /** A scalar in block context from `column`: quoted, or plain up to a comment or the line end. */
  private parseBlockScalar(i: number, column: number): [Scalar, number] {
    const text = this.lineAt(i);
    const c = text[column];
    if (c === "'" || c === '"') return this.parseQuoted(i, column);
    let end = text.indexOf(" #", column);
    if (end < 0) end = text.length;
    while (text.charCodeAt(end - 1) === 32) end--;
    const plain = text.slice(column, end);
    // `: ` would start a map; a trailing `:` too. Inner spaces are kept as they are.
    if (plain.includes(": ") || plain.endsWith(":") || plain.includes("  ")) outside();
    for (const character of plain) {
      if (character !== ":" && character !== " " && !plainFlowCharacter.test(character)) outside();
    }
    return [this.toPlain(plain, this.startOf(i) + column), end];
  }

  private toPlain(text: string, offset: number): Scalar {
    if (!plainStart.test(text[0] ?? "") || specialWords.has(text)) outside();
    const scalar = new Scalar(text);
    this.count();
    scalar.source = text;
    scalar.type = Scalar.PLAIN;
    scalar.range = [offset, offset + text.length, offset + text.length];
    return scalar;
  }

  /** A quoted scalar at `column` of line `i`, without escapes. @returns it and the offset after it */
  private parseQuoted(i: number, column: number): [Scalar, number] {
    const text = this.lineAt(i);
    const close = this.findQuoteEnd(text, column);
    if (close === undefined) outside();
    const isSingle = text[column] === "'";
    const inner = text.slice(column + 1, close - 1);
    const value = isSingle ? inner.replaceAll("''", "'") : inner;
    const scalar = new Scalar(value);
    this.count();
    scalar.source = value;
    scalar.type = isSingle ? Scalar.QUOTE_SINGLE : Scalar.QUOTE_DOUBLE;
    const offset = this.startOf(i);
    scalar.range = [offset + column, offset + close, offset + close];
    return [scalar, close];
  }

  /** The offset just after the closing quote of the scalar at `column`, if on the same line. */
  private findQuoteEnd(text: string, column: number): number | undefined {
    const quote = text[column];
    for (let at = column + 1; at < text.length; at++) {
      const c = text[at];
      if (quote === '"' && c === "\\") return undefined;
      if (c !== quote) continue;
      if (quote === "'" && text[at + 1] === "'") {
        at++;
        continue;
      }
      return at + 1;
    }
    return undefined;
  }

  /** Only spaces, or spaces and a comment, may follow a value on its line. */
  private expectLineEnd(i: number, at: number): void {
    const text = this.lineAt(i);
    let rest = at;
    while (text.charCodeAt(rest) === 32) rest++;
    if (rest < text.length && (text[rest] !== "#" || rest === at)) outside();
  }

  /** A one-line flow map or list at the cursor; the cursor moves past it. */
  private parseFlow(cursor: { line: number; at: number }, depth: number): YAMLMap | YAMLSeq {
    if (depth > maxDepth) outside();
    const text = this.lineAt(cursor.line);
    const offset = this.startOf(cursor.line);
    const isMap = text[cursor.at] === "{";
    const collection = isMap ? new YAMLMap() : new YAMLSeq();
    // Its start and its end.
    this.count();
    this.count();
    collection.flow = true;
    collection.range = [offset + cursor.at, 0, 0];
    const close = isMap ? "}" : "]";
    cursor.at++;
    for (;;) {
      while (text[cursor.at] === " ") cursor.at++;
      const item = this.parseFlowNode(cursor, depth);
      while (text[cursor.at] === " ") cursor.at++;
      if (isMap) {
        if (text[cursor.at] !== ":" || text[cursor.at + 1] !== " ") outside();
        this.count();
        cursor.at += 2;
        while (text[cursor.at] === " ") cursor.at++;
        const value = this.parseFlowNode(cursor, depth);
        if (!(item instanceof Scalar)) outside();
        (collection as YAMLMap).items.push(new Pair(item, value));
        while (text[cursor.at] === " ") cursor.at++;
      } else {
        if (text[cursor.at] === ":") outside();
        (collection as YAMLSeq).items.push(item);
      }
      const c = text[cursor.at];
      cursor.at++;
      if (c === close) return collection;
      if (c !== ",") outside();
    }
  }

  private parseFlowNode(cursor: { line: number; at: number }, depth: number): Node {
    const text = this.lineAt(cursor.line);
    const c = text[cursor.at];
    if (c === "{" || c === "[") return this.parseFlow(cursor, depth + 1);
    if (c === "'" || c === '"') {
      const [scalar, end] = this.parseQuoted(cursor.line, cursor.at);
      cursor.at = end;
      return scalar;
    }
    const start = cursor.at;
    let end = start;
    while (end < text.length) {
      const d = text[end] as string;
      if (plainFlowCharacter.test(d)) end++;
      else if (d === " " && plainFlowCharacter.test(text[end + 1] ?? "")) end++;
      else break;
    }
    cursor.at = end;
    return this.toPlain(text.slice(start, end), this.startOf(cursor.line) + start);
  }
}
