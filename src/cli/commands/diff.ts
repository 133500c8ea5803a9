import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { stackFilePath } from "../../config/stack-file";
import { loadBase, type BaseSource } from "../../diff/base";
import { diffPlans, type PlannedSide } from "../../diff/plan-diff";
import { renderDiffMarkdown, type DiffReport } from "../../diff/render";
import { plan } from "../../plan/plan";
import { configWarnings } from "../../config/warnings";
import { EXIT, UsageError } from "../errors";
import { returnsExitCode } from "../exit-code";
import { loadSelectedSettings, selectionFrom } from "../settings-options";

interface DiffOptions {
  stack?: string;
  config?: string;
  projectDir: string;
  base?: string;
  baseRef?: string;
  baseFile?: string;
  json?: boolean;
  policyPack: string | false;
  policyPackConfig?: string;
}

export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description(
      "The reviewable change between a base and the working tree's stack config, as Markdown for a pull request. Offline: no credentials",
    )
    .option("-s, --stack <env>", "stack name: compares stacks/Pulumi.<env>.yaml")
    .option("-c, --config <file>", "the new side's stack config file (default stacks/Pulumi.<env>.yaml)")
    .option("--base-ref <ref>", "the base: the stack file as this git ref (e.g. origin/main) has it")
    .option("--base-file <file>", "the base: this stack config file")
    .option("--base <ref>", "the same as --base-ref")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml", process.cwd())
    .option("--json", "print exactly one JSON object {stack, base, head, connections, verdict}")
    .option("--policy-pack <dir>", "CrossGuard pack whose resource rules judge the new plan", "policies")
    .option(
      "--policy-pack-config <file>",
      "the pack's config file, as given to `pulumi preview --policy-pack-config` (levels and rule settings)",
    )
    .option("--no-policy-pack", "skip the policy pack's verdict")
    .action(
      returnsExitCode(async (options: DiffOptions) => {
        const selection = selectionFrom(options);
        const head = loadSelectedSettings(selection);
        const headFile = options.config ? path.resolve(options.config) : stackFilePath(selection.projectDir, head.stack);
        const base = loadBase(baseSource(options), { projectDir: selection.projectDir, headFile, stack: head.stack });
        // One clock for both sides: a first generation's expiry then moves with neither.
        const now = new Date();
        const headSide: PlannedSide = { settings: head, tokens: plan(head, undefined, now) };
        const baseSide: PlannedSide = base.settings
          ? { settings: base.settings, tokens: plan(base.settings, undefined, now) }
          : { settings: { ...head, connections: [] }, tokens: [] };
        const packDir = options.policyPack === false ? undefined : path.resolve(selection.projectDir, options.policyPack);
        if (packDir !== undefined && !existsSync(path.join(packDir, "rules"))) {
          throw new UsageError({
            summary: `--policy-pack ${options.policyPack}: ${packDir} has no rules/ folder`,
            fix: "point it at the pack (policies), or pass --no-policy-pack",
          });
        }
        const report: DiffReport = {
          stack: head.stack,
          base: base.label,
          head: path.relative(selection.projectDir, headFile).startsWith("..") ? headFile : path.relative(selection.projectDir, headFile),
          connections: diffPlans(baseSide, headSide),
          ...(configWarnings(head).length > 0 ? { warnings: configWarnings(head) } : {}),
          ...(packDir ? { verdict: await verdictOf(packDir, head.stack, headSide, packConfig(options.policyPackConfig)) } : {}),
        };
        process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderDiffMarkdown(report));
        return report.verdict && !report.verdict.passes ? EXIT.failed : EXIT.ok;
      }),
    );
}

/** Exactly one of --base-ref, --base-file, --base (a ref). */
function baseSource(options: DiffOptions): BaseSource {
  const given = [
    ...(options.baseRef !== undefined ? [{ ref: options.baseRef, flag: "--base-ref" as const }] : []),
    ...(options.base !== undefined ? [{ ref: options.base, flag: "--base" as const }] : []),
    ...(options.baseFile !== undefined ? [{ file: options.baseFile }] : []),
  ];
  if (given.length !== 1)
    throw new UsageError({
      summary: given.length === 0 ? "no base given" : "more than one base given",
      fix: "pass exactly one of --base-ref <ref> (e.g. origin/main) or --base-file <stack file>",
    });
  return given[0]!;
}

/** The verdict loads the pack and the component (Pulumi's SDK, about a second): only when asked for. */
function verdictOf(packDir: string, stack: string, head: PlannedSide, config: Record<string, unknown>) {
  const { loadPackRules, policyVerdict } = require("../../diff/policy-verdict") as typeof import("../../diff/policy-verdict");
  return policyVerdict(loadPackRules(packDir), stack, head.tokens, config, head.settings);
}

/** The pack config file, read as Pulumi reads it: one JSON object. */
function packConfig(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.resolve(file), "utf8"));
  } catch (error) {
    throw new UsageError({
      summary: `--policy-pack-config ${file}: cannot read it as JSON (${(error as Error).message})`,
      fix: "point it at the pack's config file, e.g. policies/config.example.json",
    });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new UsageError({
      summary: `--policy-pack-config ${file}: not a JSON object of rule settings`,
      fix: "see policies/config.example.json",
    });
  for (const [rule, entry] of Object.entries(parsed)) {
    const level = entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>)["enforcementLevel"] : entry;
    // Pulumi refuses any other level; a verdict must not quietly pass a rule whose level it cannot read.
    if (level !== undefined && !(ENFORCEMENT_LEVELS as readonly unknown[]).includes(level))
      throw new UsageError({
        summary: `--policy-pack-config ${file}: ${rule} sets enforcement level ${JSON.stringify(level)}`,
        fix: `use one of ${ENFORCEMENT_LEVELS.join(", ")}`,
      });
  }
  return parsed as Record<string, unknown>;
}

/** CrossGuard's enforcement levels, as `pulumi preview --policy-pack-config` accepts them. */
const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
