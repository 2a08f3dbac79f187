import { createLogger, type Logger } from "../../src/log.ts";

/** A logger that drops everything, for tests that do not look at the log. */
export const silentLogger: Logger = createLogger({ level: "error", write: () => {} });
