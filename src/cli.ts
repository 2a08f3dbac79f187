import { type LogFormat, type LogLevel, logLevels } from "./log.ts";
import { parseDuration } from "./parse-duration.ts";
import { parseGoBool } from "./parse-go-bool.ts";
import { parseListenAddress } from "./parse-listen-address.ts";

interface FlagSpec<T> {
  /** Default shown in `--help` (the empty string means "not set"). */
  defaultText: string;
  help: string;
  isBoolean?: boolean;
  /** Parses the flag's text; returns the value or an error message. */
  parse(text: string): { value: T } | { error: string };
}

const stringFlag = (defaultText: string, help: string): FlagSpec<string> => ({
  defaultText,
  help,
  parse: (text) => ({ value: text }),
});

// Parity: upstream's flag package reads booleans with Go's strconv.ParseBool.
function parseBoolean(text: string): { value: boolean } | { error: string } {
  const value = parseGoBool(text);
  return value === undefined ? { error: `must be true or false, got "${text}"` } : { value };
}

const booleanFlag = (defaultText: string, help: string): FlagSpec<boolean> => ({
  defaultText,
  help,
  isBoolean: true,
  parse: parseBoolean,
});

const integerFlag = (defaultText: string, help: string, minimum: number): FlagSpec<number> => ({
  defaultText,
  help,
  parse: (text) => {
    const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) return { error: `must be an integer, got "${text}"` };
    if (value < minimum) return { error: `must be at least ${minimum}, got ${value}` };
    return { value };
  },
});

const choiceFlag = <T extends string>(
  defaultText: T,
  help: string,
  choices: readonly T[],
): FlagSpec<T> => ({
  defaultText,
  help,
  parse: (text) =>
    (choices as readonly string[]).includes(text)
      ? { value: text as T }
      : { error: `must be one of ${choices.join(", ")}, got "${text}"` },
});

const durationFlag = (defaultText: string, help: string): FlagSpec<number> => ({
  defaultText,
  help,
  parse: (text) => {
    const ms = parseDuration(text);
    return ms === undefined
      ? { error: `must be a duration such as 250ms, 2s or 1m30s, got "${text}"` }
      : { value: ms };
  },
});

/** Every daemon flag with its default and help text (SPEC §1). */
export const flagSpecs = {
  "provider-volume": stringFlag(
    "/var/run/secrets-store-csi-providers",
    "directory of the provider socket aws.sock",
  ),
  "driver-writes-secrets": booleanFlag(
    "true",
    "return files to the driver (true) or write them into the target path (false)",
  ),
  qps: integerFlag("5", "client-side rate limit of Kubernetes API calls per second", 1),
  burst: integerFlag("10", "burst of Kubernetes API calls above --qps", 1),
  "eks-addon-version": stringFlag("", "version to report in the AWS user agent app id"),
  "kube-api-url": stringFlag(
    "https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT",
    "base URL of the Kubernetes API server",
  ),
  "kube-token-file": stringFlag(
    "/var/run/secrets/kubernetes.io/serviceaccount/token",
    "bearer token of the provider's service account (re-read when it changes)",
  ),
  "kube-ca-file": stringFlag(
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    "CA bundle of the Kubernetes API server",
  ),
  "pod-identity-http-timeout": stringFlag(
    "1s",
    "timeout of one call to the EKS Pod Identity agent, a duration such as 250ms; invalid values warn and keep the default",
  ),
  "pod-identity-agent-url": stringFlag(
    "",
    "credentials URL replacing the EKS Pod Identity agent address, e.g. http://127.0.0.1:2703/v1/credentials",
  ),
  "metrics-address": {
    defaultText: ":8989",
    help: "HTTP listener for /metrics, /healthz and /readyz (:port = every interface, host:port, port 0 = any free port); empty disables it",
    parse: (text) =>
      text === "" || parseListenAddress(text) !== undefined
        ? { value: text }
        : { error: `must be host:port, :port or [ipv6]:port, got "${text}"` },
  } satisfies FlagSpec<string>,
  "cache-ttl": durationFlag(
    "60s",
    "how long a fetched value is served again to the same identity; 0 disables",
  ),
  "cache-max-bytes": integerFlag("33554432", "upper bound of cached secret bytes (LRU)", 0),
  "failover-strategy": choiceFlag<"parallel" | "on-error">(
    "parallel",
    "parallel: ask both regions at once; on-error: ask the failover region only after a server-side failure",
    ["parallel", "on-error"],
  ),
  "secretsmanager-batch": booleanFlag(
    "false",
    "fetch secrets with BatchGetSecretValue (20 per call), falling back to GetSecretValue",
  ),
  "max-concurrent-aws-calls": integerFlag("64", "process-wide bound on in-flight AWS requests", 1),
  "mount-timeout": durationFlag(
    "100s",
    "upper bound of one Mount; a shorter gRPC deadline (minus 2s) wins",
  ),
  "kubelet-path": stringFlag(
    "",
    "kubelet's root directory, e.g. /var/lib/kubelet; when set, provider-writes targets must lie under its pods/",
  ),
  "log-level": choiceFlag<LogLevel>("info", "debug, info, warn or error", logLevels),
  "log-format": choiceFlag<LogFormat>("json", "json (one object per line) or text", [
    "json",
    "text",
  ]),
} satisfies Record<string, FlagSpec<unknown>>;

type FlagSpecs = typeof flagSpecs;
export type FlagName = keyof FlagSpecs;
/** Parsed flag values; absent flags are `undefined` so config can tell "not given" from a default. */
export type Flags = {
  [K in FlagName]?: FlagSpecs[K] extends FlagSpec<infer T> ? T : never;
};

/** The report formats of `validate --output`. */
export type ValidateOutput = "text" | "json";
const validateOutputs: readonly ValidateOutput[] = ["text", "json"];

/** The outcome of {@link parseArgs}. */
export type ParsedArgs =
  | { ok: true; command: "run"; flags: Flags }
  | { ok: true; command: "validate"; files: string[]; strict: boolean; output: ValidateOutput }
  | { ok: true; command: "help" | "version" }
  | { ok: false; message: string };

/**
 * Parses the command line (without the executable): `--flag=value`, `--flag value`, bare boolean
 * `--flag`, plus `--help` and `--version`, or `validate FILE…` (`-` = stdin). Never throws; a bad
 * flag yields one message naming it.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv[0] === "validate") return parseValidateArgs(argv.slice(1));
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") return { ok: true, command: "help" };
    if (arg === "--version") return { ok: true, command: "version" };
    const match = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) return { ok: false, message: `unexpected argument "${arg}" (see --help)` };
    const name = match[1] ?? "";
    if (!Object.hasOwn(flagSpecs, name)) {
      return { ok: false, message: `unknown flag --${name} (see --help)` };
    }
    const spec: FlagSpec<unknown> = flagSpecs[name as FlagName];
    let text = match[2];
    if (text === undefined) {
      const next = argv[i + 1];
      if (spec.isBoolean && (next === undefined || "error" in spec.parse(next))) {
        // A bare boolean; the next argument is only its value when it reads as a boolean.
        text = "true";
      } else if (next === undefined) {
        return { ok: false, message: `flag --${name} needs a value` };
      } else {
        text = next;
        i++;
      }
    }
    const parsed = spec.parse(text);
    if ("error" in parsed)
      return { ok: false, message: `invalid value for --${name}: ${parsed.error}` };
    flags[name] = parsed.value;
  }
  return { ok: true, command: "run", flags: flags as Flags };
}

/**
 * `validate [--strict] [--output text|json] PATH…`: flags anywhere before `--`, `-` is stdin.
 * Usage mistakes yield a message (exit 2), like the daemon's flags.
 */
function parseValidateArgs(args: readonly string[]): ParsedArgs {
  const files: string[] = [];
  let strict = false;
  let output: ValidateOutput = "text";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg === "--help" || arg === "-h") return { ok: true, command: "help" };
    if (arg === "-" || !arg.startsWith("-")) {
      files.push(arg);
      continue;
    }
    const match = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (name === "strict") {
      const parsed = match?.[2] === undefined ? { value: true } : parseBoolean(match[2]);
      if ("error" in parsed)
        return { ok: false, message: `invalid value for validate --strict: ${parsed.error}` };
      strict = parsed.value;
    } else if (name === "output" || name === "o") {
      const value = match?.[2] ?? args[++i];
      if (value === undefined)
        return { ok: false, message: `validate flag --output needs a value` };
      if (!(validateOutputs as readonly string[]).includes(value))
        return {
          ok: false,
          message: `invalid value for validate --output: must be one of ${validateOutputs.join(", ")}, got "${value}"`,
        };
      output = value as ValidateOutput;
    } else {
      return {
        ok: false,
        message: `unknown validate flag "${arg}": use --strict or --output text|json (see --help)`,
      };
    }
  }
  if (files.length === 0) {
    return {
      ok: false,
      message: "validate needs at least one file or directory ('-' reads stdin)",
    };
  }
  return { ok: true, command: "validate", files, strict, output };
}

/** The `--help` text: usage and every flag with its default. */
export function usageText(): string {
  const lines = [
    "Usage:",
    "  secrets-store-csi-driver-provider-aws [flags]          run the provider daemon",
    "  secrets-store-csi-driver-provider-aws validate [--strict] [--output text|json] PATH…",
    "                                                         check SecretProviderClass manifests offline",
    "  secrets-store-csi-driver-provider-aws --version | --help",
    "",
    "validate: PATH is a file, '-' (stdin) or a directory (its *.yaml and *.yml files, recursively).",
    "Checks every SecretProviderClass with spec.provider aws, alone or in a list (kind: List, as",
    "'kubectl get secretproviderclasses -A -o yaml' prints it), with the daemon's own rules.",
    "  --strict        warnings (unknown parameters and fields) fail too",
    "  --output FORMAT text: file:line:column: severity: message (default); json: one report",
    "Exit codes: 0 clean, 1 errors found (or warnings with --strict), 2 usage error.",
    "",
    "Flags:",
  ];
  for (const [name, spec] of Object.entries(flagSpecs) as [string, FlagSpec<unknown>][]) {
    const shown = spec.defaultText === "" ? '""' : spec.defaultText;
    lines.push(`  --${name}`, `        ${spec.help} (default ${shown})`);
  }
  return `${lines.join("\n")}\n`;
}
