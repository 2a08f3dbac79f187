// Differential check of the SecretProviderClass rules against an earlier revision: both answer the
// same fuzzed attributes, and every difference is printed by kind. Used when the rules are moved or
// reworded (issue 12), so "behaviour unchanged" is a measurement, not a claim.
//
//   bun scripts/compare-spc-rules.ts [REV] [RUNS]      (defaults: 381a450, 20000 per generator)
//
// The earlier revision's src/ and gen/ are extracted with `git archive` into .tmp/ and imported
// from there; nothing is installed.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { checkSpc } from "../src/spc/read-spc.ts";
import {
  attributes,
  mutatedSimpleYaml,
  objectList,
  simpleYaml,
  yamlish,
} from "../test/helpers/spc-arbitraries.ts";

const rev = process.argv[2] ?? "381a450";
const runs = Number(process.argv[3] ?? "20000");
const root = resolve(import.meta.dir, "..");
const baseline = resolve(root, ".tmp", `spc-baseline-${rev}`);
if (!existsSync(baseline)) {
  mkdirSync(baseline, { recursive: true });
  const archive = execFileSync("git", ["archive", rev, "src"], { cwd: root });
  execFileSync("tar", ["-x", "-C", baseline], { input: archive });
}
const oldPath = ["src/spc/read-spc.ts", "src/mount/read-spc.ts"]
  .map((path) => resolve(baseline, path))
  .find((path) => existsSync(path));
if (oldPath === undefined) throw new Error(`no read-spc.ts in ${rev}`);
const old = (await import(oldPath)) as { checkSpc: typeof checkSpc };

type Report = ReturnType<typeof checkSpc>;
const options = [
  { defaultMode: 0o644, awsRegion: "us-east-1" },
  { defaultMode: 0o600, awsRegion: undefined },
];

/**
 * What must not change: the validated result (only used when there is no problem: `readSpc`
 * throws otherwise), and where each problem and warning is.
 */
function outcome(report: Report) {
  const isValid = report.problems.length === 0;
  return {
    parameters: isValid ? report.parameters : undefined,
    // jmesPath entries carry their compiled expression since the bounded evaluator; compare the rest.
    descriptors: isValid
      ? JSON.parse(
          JSON.stringify(report.descriptors, (key, value) =>
            key === "expression" ? undefined : value,
          ),
        )
      : undefined,
    problems: report.problems.map((p) => `${p.where}@${p.offset ?? "-"}`),
    warnings: report.warnings.map((p) => `${p.where}@${p.offset ?? "-"}`),
  };
}

const counts = { cases: 0, identical: 0, reworded: 0, different: 0 };
const kinds = new Map<string, { count: number; example: string }>();
const note = (kind: string, example: unknown) => {
  const entry = kinds.get(kind) ?? { count: 0, example: JSON.stringify(example).slice(0, 600) };
  entry.count += 1;
  kinds.set(kind, entry);
};

for (const [name, objects] of [
  ["yamlish", yamlish],
  ["objectList", objectList],
  ["simpleYaml", simpleYaml],
  ["mutatedSimpleYaml", mutatedSimpleYaml],
] as const) {
  fc.assert(
    fc.property(attributes(objects), fc.constantFrom(...options), (input, readOptions) => {
      counts.cases += 1;
      const before = old.checkSpc(input, readOptions);
      const after = checkSpc(input, readOptions);
      const [a, b] = [outcome(before), outcome(after)];
      if (!Bun.deepEquals(a, b)) {
        counts.different += 1;
        note(`${name}: outcome differs`, { input, before: a, after: b });
        return;
      }
      const messages = (report: Report) =>
        [...report.problems, ...report.warnings].map((p) => p.message);
      const [ma, mb] = [messages(before), messages(after)];
      if (Bun.deepEquals(ma, mb)) {
        counts.identical += 1;
        return;
      }
      counts.reworded += 1;
      ma.forEach((message, i) => {
        if (message !== mb[i]) note(`reworded: ${message.slice(0, 60)}`, [message, mb[i]]);
      });
    }),
    { numRuns: runs, seed: 12_000_001 },
  );
}

process.stdout.write(`compared against ${rev}: ${JSON.stringify(counts)}\n`);
for (const [kind, { count, example }] of kinds)
  process.stdout.write(`${count}\t${kind}\n\t${example}\n`);
process.exit(counts.different === 0 ? 0 : 1);
