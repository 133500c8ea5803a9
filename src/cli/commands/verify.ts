import { Option, type Command } from "commander";
import { redact } from "../../cloudflare/http";
import { looksLikeCredential } from "../../cloudflare/token-format";
import { plan as planTokens } from "../../plan/plan";
import { PLATFORMS, platformKeys } from "../../platforms";
import { platformCatalog } from "../../config/schema";
import {
  DEFAULT_TOKEN_ENV_PREFIX,
  VerifyInputError,
  envTokenSource,
  renderReports,
  reportJson,
  verifyPlans,
  type TokenValueSource,
  type VerifyReport,
} from "../../verify";
import { verifyClients } from "../verify-clients";
import { verifyByFlags } from "../verify-flags";

import path from "node:path";
import type { EngineKind } from "../build-pipeline";
import { runVerify } from "../../automation/pipeline";
import { PROVIDER_TOKEN_ENV } from "../../automation/pulumi-environment";
import { recordRun } from "../../automation/record-run";
import { PROBE_ALL_ZONES_FLAG, RATE_BUDGET_FLAG, engineOption, pipelineFor, type EngineOptions } from "../engine-options";
import { credentialProblem } from "../credential";
import { DOCUMENTED_BUDGET, RateBudgets, REAL_CLOCK, type RequestBudget } from "../../cloudflare/pacing";
import { EXIT, UsageError } from "../errors";
import { returnsExitCode } from "../exit-code";
import { addStackOptions, loadSelectedSettings, selectionFrom } from "../settings-options";

interface VerifyOptions {
  platform?: string;
  tokenEnv?: string;
  provisionerTokenEnv?: string;
  accounts?: string;
  zones?: string;
  profile?: string;
  apiBase?: string;
  json?: boolean;
  extraRead?: "warn" | "fail";
  expiryWarnDays?: string;
  tokenEnvPrefix?: string;
  stack?: string;
  config?: string;
  projectDir?: string;
  engine?: EngineKind;
  sandboxStateDir?: string;
  evidenceDir?: string;
  probeAllZones?: boolean;
  rateBudget?: RequestBudget;
}

export function registerVerify(program: Command): void {
  addStackOptions(
    program
      .command("verify")
      .description(
        "Prove a token does exactly what its platform needs: endpoint, liveness, exact groups and resources, one probe per group, zone coverage. " +
          "Token values come only from environment variables and are never printed. Exit 0 ok, 2 a check failed, 1 usage error.",
      )
      .addOption(new Option("--platform <key>", "platform of the token").choices(platformKeys()))
      .option("--token-env <VAR>", "environment variable holding the token to verify")
      .option(
        "--provisioner-token-env <VAR>",
        `environment variable holding a credential that can read tokens (enables the exactness check; --stack defaults to ${PROVIDER_TOKEN_ENV} when set)`,
      )
      .option("--accounts <ids>", "account IDs the token reads, comma-separated")
      .option("--zones <list>", "zone IDs or names, comma-separated, or `all` (omit: report zone counts only)")
      .option("--profile <name>", "platform permission profile (default: the platform's default)")
      .option(
        "--api-base <url>",
        "Cloudflare API base URL (default: Cloudflare's; with --engine sandbox, the running `cfct sandbox`, as for cfct up)",
      )
      .option(
        "--token-env-prefix <prefix>",
        "with --stack: each token's value is in <prefix><KEY> (KEY upper-cased, - as _)",
        DEFAULT_TOKEN_ENV_PREFIX,
      )
      .addOption(
        new Option("--extra-read <mode>", "an extra Read group the plan lacks is a warning or a failure")
          .choices(["warn", "fail"])
          .default("warn"),
      )
      .option("--expiry-warn-days <n>", "warn when the token expires within this many days", "14")
      .option(...PROBE_ALL_ZONES_FLAG)
      .option(...RATE_BUDGET_FLAG)
      .addOption(
        engineOption(
          "with --stack: take every deployed token from the stack's outputs and its value from the stack's state through this engine, and write evidence",
        ),
      )
      .option("--sandbox-state-dir <dir>", "with --engine sandbox: the rehearsal state (default <project>/.cfct/sandbox/<stack>)")
      .option("--evidence-dir <dir>", "with --engine: where evidence goes", "evidence")
      .option("--json", "print exactly one JSON object"),
  ).action(
    returnsExitCode(async (options: VerifyOptions) => {
      const secrets: string[] = [];
      try {
        const stackMode = Boolean(options.stack || options.config);
        if (options.engine && !options.stack) throw new UsageError("--engine reads a deployed stack's outputs: name it with --stack <env>");
        const results = options.engine
          ? await verifyDeployed(options)
          : stackMode
            ? await verifyStack(options, secrets)
            : [await verifyFlags(options, secrets)];
        write(options, results);
        return results.some((r) => !r.report.ok) ? EXIT.failed : EXIT.ok;
      } catch (error) {
        if (error instanceof VerifyInputError) throw new UsageError(redact(error.message, secrets));
        if (error instanceof Error) error.message = redact(error.message, secrets);
        throw error;
      }
    }),
  );
}

function write(options: VerifyOptions, results: readonly { title: string; report: VerifyReport }[]): void {
  if (options.json) {
    const [only] = results;
    const body =
      !(options.stack || options.config) && only
        ? reportJson(only.report)
        : {
            ok: results.every((r) => r.report.ok),
            stack: options.stack ?? options.config,
            apiCalls: results.reduce((n, r) => n + r.report.apiCalls, 0),
            tokens: results.map((r) => ({ tokenKey: r.report.tokenKey, ...reportJson(r.report) })),
          };
    process.stdout.write(`${JSON.stringify(body)}\n`);
  } else {
    process.stdout.write(renderReports(results));
  }
}

function readSecret(variable: string, what: string, secrets: string[]): string {
  // Someone may paste the token itself here: only a conventional upper-case name is ever echoed.
  const printable = /^[A-Z_][A-Z0-9_]{0,39}$/.test(variable) && !looksLikeCredential(variable) ? variable : undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new UsageError(
      `${what} takes an environment variable name (e.g. CFCT_TOKEN), and this is not one: pass the variable's NAME, never the token itself`,
    );
  }
  const value = process.env[variable];
  if (!value) {
    throw new UsageError(
      printable
        ? `${what}: environment variable ${printable} is not set or empty. Fix: export ${printable}=<token> (the value is never printed)`
        : `${what}: that environment variable is not set or empty (its name is not shown: it does not look like a variable name). Pass the variable's NAME, never the token itself`,
    );
  }
  secrets.push(value);
  const problem = credentialProblem(value);
  if (problem) {
    throw new UsageError(
      printable
        ? `${what}: ${printable} ${problem}. Fix: export it again without it, e.g. export ${printable}="$(tr -d '[:space:]' < token.txt)"`
        : `${what}: that environment variable ${problem}. Fix: export it again without it`,
    );
  }
  return value;
}

/** The settings every verification of the command shares; the clients' API base and budgets. */
function common(options: VerifyOptions, stackBudget?: RequestBudget) {
  const days = Number(options.expiryWarnDays ?? "14");
  if (!Number.isInteger(days) || days < 0)
    throw new UsageError(`--expiry-warn-days "${options.expiryWarnDays}" is not a whole number of days`);
  return {
    tuning: {
      extraReadGroups: options.extraRead ?? "warn",
      expiryWarnDays: days,
      ...(options.probeAllZones ? { probeAllZones: true } : {}),
    },
    clients: {
      ...(options.apiBase ? { apiBase: options.apiBase } : {}),
      budgets: new RateBudgets(REAL_CLOCK, options.rateBudget ?? stackBudget ?? DOCUMENTED_BUDGET),
    },
  };
}

async function verifyFlags(options: VerifyOptions, secrets: string[]): Promise<{ title: string; report: VerifyReport }> {
  if (!options.platform) throw new UsageError("name the platform with --platform <key>, or verify a whole stack with --stack <env>");
  // Commander let through only a built-in platform's key (--platform's choices).
  const platform = PLATFORMS[options.platform]!;
  if (!options.tokenEnv)
    throw new UsageError("name the environment variable holding the token with --token-env <VAR> (a token is never passed as a flag)");
  if (!options.accounts) throw new UsageError("name the account(s) the token reads with --accounts <id>[,<id>]");
  const token = readSecret(options.tokenEnv, "--token-env", secrets);
  const provisionerToken = options.provisionerTokenEnv
    ? readSecret(options.provisionerTokenEnv, "--provisioner-token-env", secrets)
    : undefined;
  const zones = options.zones === undefined ? undefined : options.zones.trim() === "all" ? ("all" as const) : splitList(options.zones);
  const shared = common(options);
  const report = await verifyByFlags(
    {
      platform,
      accounts: splitList(options.accounts),
      ...(zones !== undefined ? { zones } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
    },
    { token, provisionerToken },
    { ...shared.tuning, clients: shared.clients },
  );
  return { title: `${platform.key} (${platform.owner}-owned)`, report };
}

async function verifyStack(
  options: VerifyOptions,
  secrets: string[],
  source: TokenValueSource = envTokenSource(options.tokenEnvPrefix ?? DEFAULT_TOKEN_ENV_PREFIX),
): Promise<{ title: string; report: VerifyReport }[]> {
  const conflicting = (["platform", "tokenEnv", "accounts", "zones", "profile"] as const).filter((k) => options[k] !== undefined);
  if (conflicting.length > 0) {
    throw new UsageError(
      `--stack/--config take accounts, zones and profiles from the stack; drop ${conflicting.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")}`,
    );
  }
  const settings = loadSelectedSettings(selectionFrom(options));
  const plans = planTokens(settings);
  const provisionerEnv = options.provisionerTokenEnv ?? (process.env[PROVIDER_TOKEN_ENV] ? PROVIDER_TOKEN_ENV : undefined);
  const provisionerToken = provisionerEnv ? readSecret(provisionerEnv, "--provisioner-token-env", secrets) : undefined;
  const shared = common(options, settings.rateBudget);
  return verifyPlans(plans, source, {
    stack: settings.stack,
    platforms: platformCatalog(settings),
    recorded: (plan) => settings.generations[plan.key] !== undefined,
    awaitingPickup: (plan) => {
      const successor = settings.generations[plan.key]?.successor;
      return successor?.generation === plan.generation && successor.registeredAt !== undefined;
    },
    clientsFor: ({ value, owner }) =>
      verifyClients({ token: value, owner, ...(provisionerToken ? { provisionerToken } : {}), ...shared.clients }),
    ...shared.tuning,
    secrets,
  });
}

/** Every token the stack has deployed, values from its state (in this process only); evidence recorded. */
async function verifyDeployed(options: VerifyOptions): Promise<{ title: string; report: VerifyReport }[]> {
  const engineOptions: EngineOptions = {
    stack: options.stack!,
    engine: options.engine!,
    ...(options.apiBase ? { apiBase: options.apiBase } : {}),
    provisionerTokenEnv: options.provisionerTokenEnv ?? PROVIDER_TOKEN_ENV,
    evidenceDir: options.evidenceDir ?? "evidence",
    projectDir: options.projectDir ?? process.cwd(),
    ...(options.sandboxStateDir ? { sandboxStateDir: options.sandboxStateDir } : {}),
    ...(options.probeAllZones ? { probeAllZones: true } : {}),
    ...(options.rateBudget ? { rateBudget: options.rateBudget } : {}),
  };
  // Progress goes to stderr so that --json keeps stdout to exactly one object.
  const pipeline = pipelineFor(engineOptions, (line) => process.stderr.write(`${line}\n`));
  const { summary, evidence } = await recordRun(
    pipeline,
    {
      evidenceDir: path.resolve(engineOptions.evidenceDir),
      projectDir: path.resolve(engineOptions.projectDir),
      stack: engineOptions.stack,
      command: "verify",
    },
    () => runVerify(pipeline.context),
  );
  for (const problem of summary.problems) process.stderr.write(`cfct: ${problem}\n`);
  process.stderr.write(`evidence: ${evidence.markdown}\n`);
  return summary.tokens.map((token) => ({
    title: `${token.name} (${token.platform}, ${token.owner.kind}-owned)`,
    report: {
      ok: token.verify?.ok ?? false,
      platform: token.platform,
      tokenKey: token.key,
      tokenId: token.id,
      apiCalls: token.verify?.apiCalls ?? 0,
      checks: token.verify?.checks ?? [],
    },
  }));
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}
