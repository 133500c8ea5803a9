import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { PROVIDER_TOKEN_ENV } from "../../automation/pulumi-environment";
import { HEX32 } from "../../domain/ids";
import { behaviourFileSchema, diffBehaviourFiles, parseBehaviourFile, type BehaviourFile } from "../../parity/behaviour-file";
import { recordBehaviours } from "../../parity/measure";
import { parityPlan, type ParityCall } from "../../parity/plan";
import { realApiBase } from "../api-target";
import { parityTarget } from "../clients";
import { readCredential } from "../credential";
import { EXIT, UsageError } from "../errors";
import { returnsExitCode } from "../exit-code";
import shippedDefaults from "../../sandbox/default-behaviours.json";

interface ParityOptions {
  account?: string;
  zone?: string;
  apiBase?: string;
  tokenEnv: string;
  out?: string;
  dryRun?: boolean;
  json?: boolean;
}

function requireId(flag: string, value: string | undefined): string {
  if (!value)
    throw new UsageError(
      `${flag} is required: the 32-hex ID of a test ${flag === "--account" ? "account" : "zone"} the provisioner can read`,
    );
  if (!HEX32.test(value))
    throw new UsageError({
      summary: `${flag} "${value.slice(0, 40)}" is not a Cloudflare ID`,
      fix: `use the 32 lowercase hex characters from the dashboard's overview page`,
    });
  return value;
}

function describeCall(call: ParityCall): string {
  return `${call.method.padEnd(6)} ${call.path}  (as ${call.as}) — ${call.purpose}`;
}

function render(file: BehaviourFile, defaults: BehaviourFile): string {
  const lines = [`Behaviours of ${file.apiHost} on ${file.recordedAt}:`];
  for (const [name, record] of Object.entries(file.behaviours)) {
    lines.push(`  ${name} = ${record.value} (${record.measured ? "measured" : "not measured, sandbox default kept"})`);
    for (const e of record.evidence)
      lines.push(
        `      ${e.request} → HTTP ${e.status}${e.code !== undefined ? ` ${e.code}` : ""}${e.message ? ` "${e.message}"` : ""}${e.observed ? `; ${e.observed}` : ""}`,
      );
    if (record.note) lines.push(`      note: ${record.note}`);
  }
  for (const [key, value] of Object.entries(file.observations)) lines.push(`  observed: ${key}: ${value}`);
  const differences = diffBehaviourFiles(defaults, file);
  lines.push(
    differences.length === 0
      ? "Same as the sandbox's defaults (src/sandbox/default-behaviours.json)."
      : `Differs from the sandbox's defaults in ${differences.length}: ${differences.map((d) => `${d.name} (sandbox ${d.ours}, this account ${d.theirs})`).join("; ")}. Please send the file to the maintainers (see docs/sandbox.md, "Settling a sandbox assumption").`,
  );
  lines.push(`API calls: ${file.calls.length} — ${file.calls.map((c) => `${c.method} ${c.path} ${c.status ?? "no answer"}`).join(", ")}`);
  return lines.join("\n");
}

export function registerSandboxParity(program: Command): void {
  program
    .command("sandbox-parity")
    .description(
      "Record how a real Cloudflare account behaves where the sandbox can behave more than one way, into a behaviour file for `cfct sandbox --behaviour-file`. " +
        "Creates at most three read-only test tokens on one zone that expire within the hour, and deletes them before it ends. The credential comes only from the environment.",
    )
    .option("--account <id>", "a test account the provisioner belongs to")
    .option("--zone <id>", "a zone of that account, for the zone-scoped test tokens")
    .option(
      "--api-base <url>",
      "Cloudflare's API, or a sandbox standing in for it (default: CLOUDFLARE_BASE_URL when set, else Cloudflare's)",
    )
    .option("--token-env <VAR>", "environment variable holding the provisioner credential", PROVIDER_TOKEN_ENV)
    .option("--out <file>", "where to write the behaviour file (JSON)")
    .option("--dry-run", "list every call it would make, and make none")
    .option("--json", "print the behaviour file instead of the summary")
    .action(
      returnsExitCode(async (options: ParityOptions) => {
        const accountId = requireId("--account", options.account);
        const zoneId = requireId("--zone", options.zone);
        // With --json, stdout carries the behaviour file alone.
        const notices = options.json ? process.stderr : process.stdout;
        const apiBase = realApiBase(options.apiBase, process.env, (line) => notices.write(`${line}\n`));
        if (options.dryRun) {
          process.stdout.write(`cfct sandbox-parity would make these ${parityPlan({ accountId, zoneId }).length} calls to ${apiBase}:\n`);
          for (const call of parityPlan({ accountId, zoneId })) process.stdout.write(`  ${describeCall(call)}\n`);
          return EXIT.ok;
        }
        const provisionerToken = readCredential(process.env, options.tokenEnv, "--token-env");
        const out = options.out && path.resolve(options.out);
        if (out && !fs.existsSync(path.dirname(out)))
          throw new UsageError(`--out ${options.out}: the folder ${path.dirname(out)} does not exist`);

        const { file, leftBehind } = await recordBehaviours(parityTarget({ apiBase, provisionerToken, accountId, zoneId }));
        behaviourFileSchema.parse(file);
        if (out) fs.writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(file, null, 2)}\n`
            : `${render(file, parseBehaviourFile(shippedDefaults, "src/sandbox/default-behaviours.json"))}\n${out ? `Written to ${out}\n` : ""}`,
        );
        if (leftBehind.length > 0) {
          process.stderr.write(
            `cfct: could not delete test token(s) ${leftBehind.join(", ")}. Fix: delete them in the dashboard (My Profile → API Tokens); they expire within the hour\n`,
          );
          return EXIT.failed;
        }
        return EXIT.ok;
      }),
    );
}
