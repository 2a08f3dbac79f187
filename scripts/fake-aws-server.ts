/**
 * Runs the fake AWS (STS, Secrets Manager, SSM) as a standalone process, for `make demo` and
 * benchmarks.
 *
 *   bun scripts/fake-aws-server.ts [--port <port>] [seed.json]
 *
 * The port comes from `--port`, else `FAKE_AWS_PORT`, else an ephemeral one. The seed file has the
 * shape of `FakeAwsSeed` (test/fakes/fake-aws/seed.ts). Prints the server URL as one line on
 * stdout, then serves until SIGTERM or SIGINT.
 */
import { applySeed, createFakeAws, seedAccountId } from "../test/fakes/fake-aws.ts";

interface Args {
  port: number;
  seedPath: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let port = Number(process.env["FAKE_AWS_PORT"] ?? 0);
  let seedPath: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === "--port") {
      port = Number(argv[index + 1]);
      index += 1;
    } else if (arg?.startsWith("--port=")) {
      port = Number(arg.slice("--port=".length));
    } else if (arg !== undefined) {
      seedPath = arg;
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`fake-aws-server: invalid port ${port}`);
  }
  return { port, seedPath };
}

async function main(): Promise<void> {
  const { port, seedPath } = parseArgs(process.argv.slice(2));
  const seed: unknown = seedPath === undefined ? {} : await Bun.file(seedPath).json();
  const accountId = seedAccountId(seed);
  const fake = createFakeAws(accountId === undefined ? { port } : { port, accountId });
  applySeed(fake, seed);
  // biome-ignore lint/suspicious/noConsole: the URL on stdout is this script's interface
  console.log(fake.url);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  // biome-ignore lint/suspicious/noConsole: a startup failure must reach the operator
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
