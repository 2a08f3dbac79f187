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

/** Turns a field value into something JSON can carry without leaking secrets. */
export function toLogValue(value: unknown, depth = 0): unknown {
  if (value instanceof Redacted) return "[redacted]";
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if (value.stack !== undefined && depth === 0) out["stack"] = value.stack;
    if (value.cause !== undefined && depth < 5) out["cause"] = toLogValue(value.cause, depth + 1);
    return out;
  }
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return depth < 5 ? value.map((v) => toLogValue(v, depth + 1)) : "[…]";
  if (value !== null && typeof value === "object") {
    if (depth >= 5) return "[…]";
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toLogValue(inner, depth + 1);
    return out;
  }
  return value;
}

function toTextLine(entry: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = entry;
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${fields.length ? ` ${fields.join(" ")}` : ""}\n`;
}
