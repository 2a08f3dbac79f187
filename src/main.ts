import { parseArgs, usageText } from "./cli.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startProvider } from "./provider.ts";
import { processIo, runValidate } from "./validate/run-validate.ts";
import { version } from "./version.ts";

// Composition root: argv + env -> Config -> provider -> signals. Exit codes: 2 for bad flags,
// 1 for a fatal start-up problem, 0 after a clean shutdown. `validate` exits 0 when clean, 1 on
// any error found (or any warning with --strict), 2 on a usage error.
const args = parseArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`secrets-store-csi-driver-provider-aws: ${args.message}\n`);
  process.exit(2);
}
if (args.command === "validate") {
  const exitCode = await runValidate(args.files, {
    io: processIo,
    strict: args.strict,
    output: args.output,
  });
  // Let stdout drain first: exiting at once could cut a long report short on a pipe.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(exitCode);
}
if (args.command !== "run") {
  process.stdout.write(args.command === "help" ? usageText() : `${version}\n`);
  process.exit(0);
}

const config = loadConfig(args.flags, process.env);
const log = createLogger({ level: config.logLevel, format: config.logFormat });
process.on("unhandledRejection", (reason) =>
  log.error("Unhandled promise rejection", { error: reason }),
);
process.on("uncaughtException", (error) => log.error("Uncaught exception", { error }));

try {
  const provider = await startProvider(config, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("Shutting down", { signal });
    provider.stop().then(
      () => {
        log.info("Stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error("Shutdown failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  process.stderr.write(`secrets-store-csi-driver-provider-aws: ${(error as Error).message}\n`);
  process.exit(1);
}
