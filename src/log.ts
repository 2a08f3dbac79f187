import { Redacted } from "./redacted.ts";

/** Log levels, lowest first. */
export const logLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];
export type LogFormat = "json" | "text";

/** Structured fields of a log line. Values go through {@link toLogValue}, so errors print safely. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Characters of string values one log line may hold (the rest is cut). */
const maxLineCharacters = 16_384;
/** Entries of one array or object in a log line. */
const maxEntries = 50;

/** Where the provider writes its log. Every module gets one injected; nothing uses `console`. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default "info" */
  level?: LogLevel;
  /** @default "json" */
  format?: LogFormat;
  /** Sink of complete lines (with trailing newline). @default writes to stdout */
  write?: (line: string) => void;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Creates the process logger: JSON (one object per line) or text. Values are passed through
 * {@link toLogValue}: `Redacted` prints `[redacted]`, errors print name, message and cause chain.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const minimum = logLevels.indexOf(options.level ?? "info");
  const format = options.format ?? "json";
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());

  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, message: string, fields?: LogFields) => {
      if (logLevels.indexOf(level) < minimum) return;
      const entry: Record<string, unknown> = { time: now().toISOString(), level, msg: message };
      const budget = { left: maxLineCharacters };
      for (const [key, value] of Object.entries({ ...bound, ...fields })) {
        if (value !== undefined) entry[key] = toLogValue(value, 0, budget);
      }
      write(format === "json" ? `${JSON.stringify(entry)}\n` : toTextLine(entry));
    };
    return {
      debug: (message, fields) => emit("debug", message, fields),
      info: (message, fields) => emit("info", message, fields),
      warn: (message, fields) => emit("warn", message, fields),
      error: (message, fields) => emit("error", message, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/**
 * Keys whose values are never logged, whatever they hold (compared in lower case): the request's
 * `secrets` field, tokens, credentials, secret payloads and raw HTTP responses.
 */
const redactedKeys = new Set([
  "secrets",
  "secret",
  "secretvalue",
  "secretstring",
  "secretbinary",
  "token",
  "tokens",
  "webidentitytoken",
  "password",
  "authorization",
  "cookie",
  "credentials",
  "accesskeyid",
  "secretaccesskey",
  "sessiontoken",
  "contents",
  "body",
  "$response",
  "$responsebodytext",
  "csi.storage.k8s.io/serviceaccount.tokens",
]);

/**
 * Turns a field value into something JSON can carry without leaking secrets, by construction:
 * - `Redacted` prints `[redacted]`, bytes print their length, keys in {@link redactedKeys} print
 *   `[redacted]` at any depth;
 * - errors print only name, message, stack (top level), cause and a few known-safe fields
 *   (`code`, `reason`, `httpStatusCode` and `requestId` of an AWS error answer, and `$fault`) — never
 *   their other own properties, so an SDK error's hidden `$response` cannot reach a log line;
 * - an error raised while the SDK parsed a response (it carries `$response` but no `$fault`)
 *   has its message withheld, since a parser's message may quote the body, i.e. a secret;
 * - a line stays bounded: strings share `budget` (characters), beyond which they are cut, and
 *   arrays and objects list at most 50 entries.
 */
export function toLogValue(
  value: unknown,
  depth = 0,
  budget: { left: number } = { left: maxLineCharacters },
): unknown {
  if (value instanceof Redacted) return "[redacted]";
  if (value instanceof Error) return toErrorValue(value, depth, budget);
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (typeof value === "string") return toBoundedString(value, budget);
  if (Array.isArray(value)) {
    if (depth >= 5) return "[…]";
    const out = value.slice(0, maxEntries).map((v) => toLogValue(v, depth + 1, budget));
    if (value.length > maxEntries) out.push(`[… ${value.length - maxEntries} more]`);
    return out;
  }
  if (value !== null && typeof value === "object") {
    if (depth >= 5) return "[…]";
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (++count > maxEntries) {
        out["[…]"] = "more entries left out";
        break;
      }
      const inner = (value as Record<string, unknown>)[key];
      out[key] = redactedKeys.has(key.toLowerCase())
        ? "[redacted]"
        : toLogValue(inner, depth + 1, budget);
    }
    return out;
  }
  return value;
}

function toBoundedString(text: string, budget: { left: number }): string {
  if (text.length <= budget.left) {
    budget.left -= text.length;
    return text;
  }
  const kept = Math.max(0, budget.left);
  budget.left = 0;
  return `${text.slice(0, kept)}…[${text.length - kept} characters cut]`;
}

function toErrorValue(
  error: Error,
  depth: number,
  budget: { left: number },
): Record<string, unknown> {
  const fields = error as Error & {
    code?: unknown;
    reason?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
    httpStatusCode?: unknown;
    requestId?: unknown;
    $response?: unknown;
    $responseBodyText?: unknown;
    errors?: unknown;
  };
  const isUnparsedResponse =
    (fields.$response !== undefined || fields.$responseBodyText !== undefined) &&
    fields.$fault === undefined;
  const out: Record<string, unknown> = {
    name: error.name,
    message: isUnparsedResponse
      ? "the AWS response could not be parsed (message withheld: it may quote the response body)"
      : toBoundedString(error.message, budget),
  };
  if (typeof fields.code === "string" || typeof fields.code === "number") out["code"] = fields.code;
  if (typeof fields.reason === "string") out["reason"] = fields.reason;
  if (typeof fields.$fault === "string") out["fault"] = fields.$fault;
  // An AwsError read off the wire carries them itself; an SDK error in `$metadata`.
  const httpStatusCode = fields.httpStatusCode ?? fields.$metadata?.httpStatusCode;
  const requestId = fields.requestId ?? fields.$metadata?.requestId;
  if (typeof httpStatusCode === "number") out["httpStatusCode"] = httpStatusCode;
  if (typeof requestId === "string") out["requestId"] = requestId;
  if (error.stack !== undefined && depth === 0 && !isUnparsedResponse)
    out["stack"] = toBoundedString(error.stack, budget);
  if (error.cause !== undefined && depth < 5)
    out["cause"] = toLogValue(error.cause, depth + 1, budget);
  if (Array.isArray(fields.errors) && depth < 5)
    out["errors"] = toLogValue(fields.errors, depth + 1, budget);
  return out;
}

function toTextLine(entry: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = entry;
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${fields.length ? ` ${fields.join(" ")}` : ""}\n`;
}
