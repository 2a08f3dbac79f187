// `make demo`: a local AWS emulator and Kubernetes API, the compiled provider on a temp socket, and
// the example SecretProviderClasses mounted exactly as the CSI driver would mount them.
// biome-ignore-all lint/suspicious/noConsole: a demo prints to the terminal
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { status } from "@grpc/grpc-js";
import { parseAllDocuments } from "yaml";
import { isServiceError } from "../test/helpers/driver-client.ts";
import { binaryPath, startTestBed } from "../test/helpers/test-bed.ts";

const region = "us-east-1";
const examplesDir = resolve(import.meta.dir, "../examples");

interface Manifest {
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { provider?: string; parameters?: Record<string, string> };
}

const manifests: { file: string; manifest: Manifest }[] = [];
for (const file of readdirSync(examplesDir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()) {
  for (const document of parseAllDocuments(readFileSync(join(examplesDir, file), "utf8"))) {
    if (!("errors" in document) || document.errors.length > 0) continue;
    manifests.push({ file, manifest: document.toJS() as Manifest });
  }
}

console.log(
  `Starting the fake AWS, the fake Kubernetes API and ${binaryPath.replace(`${process.cwd()}/`, "")} …`,
);
await using bed = await startTestBed({
  mode: "binary",
  flags: ["--log-level=info", "--log-format=text"],
});

// Example data: what the example SecretProviderClasses ask for.
const secrets: Record<string, string> = {
  "prod/nginx/db-password": "demo-db-password",
  "prod/nginx/api-key": "demo-api-key-0123456789",
  "prod/nginx/tls-cert": "-----BEGIN CERTIFICATE-----\nMIIB…demo…\n-----END CERTIFICATE-----",
  "prod/db/credentials": JSON.stringify({ username: "app_user", "pass-word": "demo-pass-word" }),
};
for (const [name, secretString] of Object.entries(secrets))
  bed.aws.putSecret(region, { name, secretString });
bed.aws.putParameter(region, {
  name: "/app/feature-flags",
  type: "String",
  value: "new-checkout=on",
});
bed.aws.putParameter(region, {
  name: "/app/allowed-hosts",
  type: "StringList",
  value: "shop.example,api.example",
});
bed.aws.putParameter(region, {
  name: "/app/db-password",
  type: "SecureString",
  value: "demo-ssm-password-v1",
});
bed.aws.putParameter(region, {
  name: "/app/db-password",
  type: "SecureString",
  value: "demo-ssm-password-v2",
});

// The workload: the example ServiceAccount and its IRSA role.
const serviceAccount = manifests.find((m) => m.manifest.kind === "ServiceAccount")?.manifest;
const workload = bed.workload({
  namespace: serviceAccount?.metadata?.namespace ?? "default",
  serviceAccount: serviceAccount?.metadata?.name ?? "nginx-irsa",
  roleArn: serviceAccount?.metadata?.annotations?.["eks.amazonaws.com/role-arn"] ?? null,
});
bed.aws.grant(workload.roleArn, { service: "secretsmanager", resource: "prod/*" });
bed.aws.grant(workload.roleArn, { service: "ssm", resource: "/app/*" });

const spcs = manifests.filter(
  (m) => m.manifest.kind === "SecretProviderClass" && m.manifest.spec?.provider === "aws",
);
spcs.push({
  file: "(inline, to show an error)",
  manifest: {
    metadata: { name: "typo" },
    spec: {
      parameters: {
        region,
        objects:
          "- objectName: prod/nginx/api-key\n  objectType: secretsmanger\n- objectName: prod/nginx/missing\n  objectType: secretsmanager\n  filePermission: '644'",
      },
    },
  },
});

for (const { file, manifest } of spcs) {
  const name = manifest.metadata?.name ?? "spc";
  console.log(`\n── SecretProviderClass "${name}" (${file}) ──`);
  try {
    const started = performance.now();
    const response = await bed.mount(workload, {
      secretProviderClass: name,
      parameters: manifest.spec?.parameters ?? {},
    });
    const ms = (performance.now() - started).toFixed(1);
    console.log(`mounted ${response.files.length} files in ${ms} ms`);
    response.files.forEach((file, index) => {
      const text = new TextDecoder().decode(file.contents).replaceAll("\n", "⏎");
      const version = response.objectVersion[index]?.version ?? "";
      console.log(
        `  ${file.path.padEnd(26)} ${file.mode.toString(8).padStart(4, "0")}  version ${version.slice(0, 12).padEnd(12)}  ${text.length > 48 ? `${text.slice(0, 45)}…` : text}`,
      );
    });
  } catch (error) {
    if (!isServiceError(error)) throw error;
    console.log(
      `mount failed with gRPC status ${status[error.code]}:\n  ${error.details.replaceAll("\n", "\n  ")}`,
    );
  }
}

const calls = bed.aws.calls.reduce<Record<string, number>>((counts, call) => {
  counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}, {});
console.log(`\nAWS calls made: ${JSON.stringify(calls)}`);
console.log("\nProvider log:");
console.log(bed.output().trimEnd().replaceAll(/^/gm, "  "));
