import { Redacted } from "./redacted.ts";

/** Log levels, lowest first. */
export const logLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];
export type LogFormat = "json" | "text";

/** Structured fields of a log line. Values go through {@link toLogValue}, so errors print safely. */
export type LogFields = Readonly<Record<string, unknown>>;

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
      for (const [key, value] of Object.entries({ ...bound, ...fields })) {
        if (value !== undefined) entry[key] = toLogValue(value);
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

/** A logger that drops everything (tests and tools that do not care). */
export const silentLogger: Logger = createLogger({ level: "error", write: () => {} });

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
 *   (`code`, `reason`, and from AWS SDK errors `$fault`, `httpStatusCode`, `requestId`) — never
 *   their other own properties, so an SDK error's hidden `$response` cannot reach a log line;
 * - an error raised while the SDK parsed a response (it carries `$response` but no `$fault`)
 *   has its message withheld, since a parser's message may quote the body, i.e. a secret.
 */
export function toLogValue(value: unknown, depth = 0): unknown {
  if (value instanceof Redacted) return "[redacted]";
  if (value instanceof Error) return toErrorValue(value, depth);
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return depth < 5 ? value.map((v) => toLogValue(v, depth + 1)) : "[…]";
  if (value !== null && typeof value === "object") {
    if (depth >= 5) return "[…]";
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = redactedKeys.has(key.toLowerCase()) ? "[redacted]" : toLogValue(inner, depth + 1);
    }
    return out;
  }
  return value;
}

function toErrorValue(error: Error, depth: number): Record<string, unknown> {
  const fields = error as Error & {
    code?: unknown;
    reason?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
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
      : error.message,
  };
  if (typeof fields.code === "string" || typeof fields.code === "number") out["code"] = fields.code;
  if (typeof fields.reason === "string") out["reason"] = fields.reason;
  if (typeof fields.$fault === "string") out["fault"] = fields.$fault;
  const metadata = fields.$metadata;
  if (typeof metadata?.httpStatusCode === "number") out["httpStatusCode"] = metadata.httpStatusCode;
  if (typeof metadata?.requestId === "string") out["requestId"] = metadata.requestId;
  if (error.stack !== undefined && depth === 0 && !isUnparsedResponse) out["stack"] = error.stack;
  if (error.cause !== undefined && depth < 5) out["cause"] = toLogValue(error.cause, depth + 1);
  if (Array.isArray(fields.errors) && depth < 5)
    out["errors"] = toLogValue(fields.errors, depth + 1);
  return out;
}

function toTextLine(entry: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = entry;
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${fields.length ? ` ${fields.join(" ")}` : ""}\n`;
}
