import path from "node:path";
import { Option, type Command } from "commander";
import { buildPipeline, type EngineKind } from "./build-pipeline";
import { DOCUMENTED_BUDGET, parseRequestBudget, type RequestBudget } from "../cloudflare/pacing";
import { stackRateBudget } from "../config/stack-rate-budget";
import { ALLOW_REGISTRATION_HOST_FLAG } from "../config/registration/hosts";
import { resolveApiTarget, type ApiTarget } from "./api-target";
import { readStackFile, stackFilePath } from "../config/stack-file";
import { UsageError } from "./errors";
import { parseStackName } from "./stack-name";
import { type Pipeline } from "../automation/pipeline";
import { PROVIDER_TOKEN_ENV } from "../automation/pulumi-environment";

/** The options of every command that works on a deployed stack through an engine (up, rotate, verify --engine …). */
export interface EngineOptions {
  stack: string;
  engine: EngineKind;
  /** Absent: Cloudflare's API (CLOUDFLARE_BASE_URL if set), or with --engine sandbox the running `cfct sandbox`. */
  apiBase?: string;
  provisionerTokenEnv: string;
  evidenceDir: string;
  projectDir: string;
  sandboxStateDir?: string;
  policyPack?: string[];
  policyPackConfig?: string[];
  /** Verification probes every chosen zone instead of a sample (`up`, `rotate`, `verify --engine`). */
  probeAllZones?: boolean;
  /** `--rate-budget <requests>/<seconds>`, over the stack's `rateBudget`. */
  rateBudget?: RequestBudget;
  /** Hosts a registrar may send to beyond its vendor's documented ones (never settable from a stack file). */
  allowRegistrationHost?: string[];
}

/** `--probe-all-zones`, for the commands that verify. */
export const PROBE_ALL_ZONES_FLAG = [
  "--probe-all-zones",
  "verification asks for every chosen zone with the token (one call each) instead of a sample of 5; coverage is proven from the token's policies either way",
] as const;

const ENGINES: readonly EngineKind[] = ["pulumi", "sandbox"];

/** `--engine`: commander refuses any other value, naming the choices. */
export function engineOption(description: string): Option {
  return new Option("--engine <kind>", description).choices(ENGINES);
}

/** `--rate-budget`, for every command that calls Cloudflare. */
export const RATE_BUDGET_FLAG = [
  "--rate-budget <requests>/<seconds>",
  "every principal's Cloudflare API budget cfct paces its requests by (default: the stack's rateBudget, else 1200/300, Cloudflare's documented limit). E.g. 4000/300 for an enterprise limit, 600/300 for each of two jobs that spend the same principal",
  (text: string) => {
    try {
      return parseRequestBudget(text, "--rate-budget");
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  },
] as const;

export function withEngineOptions(command: Command): Command {
  return command
    .requiredOption("-s, --stack <env>", "stack name (stacks/Pulumi.<env>.yaml)", parseStackName)
    .addOption(engineOption("pulumi (Automation API + Pulumi CLI) or sandbox (rehearsal against `cfct sandbox`)").default("pulumi"))
    .option("--api-base <url>", "Cloudflare API base URL (default: Cloudflare's; with --engine sandbox, the running `cfct sandbox`)")
    .option(
      "--provisioner-token-env <var>",
      "environment variable holding the provisioner credential (not read in a rehearsal: it uses the sandbox's own)",
      PROVIDER_TOKEN_ENV,
    )
    .option("--evidence-dir <dir>", "where evidence JSON and Markdown go", "evidence")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml", process.cwd())
    .option("--sandbox-state-dir <dir>", "rehearsal engine state (default <project>/.cfct/sandbox/<stack>)")
    .option("--policy-pack <dir...>", "policy packs to run with the Pulumi engine (e.g. policies)")
    .option("--policy-pack-config <file...>", "a config file per policy pack, in the same order (e.g. policies/config.example.json)")
    .option(...RATE_BUDGET_FLAG)
    .option(
      `${ALLOW_REGISTRATION_HOST_FLAG} <host...>`,
      "let registration send to this host although its vendor does not document it (e.g. your proxy for Datadog's API); a stack file alone cannot",
    );
}

/** `createStack`: only up and rotate may create a Pulumi stack that does not exist yet. */
export function pipelineFor(
  options: EngineOptions,
  progress: (line: string) => void,
  { createStack = false, stackFileOptional = false }: { createStack?: boolean; stackFileOptional?: boolean } = {},
): Pipeline {
  const resolved = apiTargetFor(options, progress, { stackFileOptional });
  return buildPipeline({
    projectDir: path.resolve(options.projectDir),
    stack: options.stack,
    engine: options.engine,
    apiBase: resolved.apiBase,
    provisionerToken: resolved.provisionerToken,
    ...(resolved.sandboxControl ? { sandboxControl: resolved.sandboxControl } : {}),
    provisionerTokenEnv: options.provisionerTokenEnv,
    createStack,
    progress,
    ...(options.sandboxStateDir ? { sandboxStateDir: path.resolve(options.sandboxStateDir) } : {}),
    // Pulumi runs in the project directory: a path the user typed is relative to where they typed it.
    ...(options.policyPack ? { policyPacks: options.policyPack.map((dir) => path.resolve(dir)) } : {}),
    ...(options.policyPackConfig ? { policyPackConfigs: options.policyPackConfig.map((file) => path.resolve(file)) } : {}),
    ...(options.probeAllZones ? { probeAllZones: true } : {}),
    // The flag, else the stack file's rateBudget, else Cloudflare's documented budget.
    rateBudget: options.rateBudget ?? stackRateBudget(path.resolve(options.projectDir), options.stack) ?? DOCUMENTED_BUDGET,
    ...(options.allowRegistrationHost ? { registrarOverrides: { allowedHosts: options.allowRegistrationHost } } : {}),
  });
}

/**
 * The API and credential of a command's engine options (src/cli/api-target.ts: the one rule for
 * every command), after the first checks of every engine command.
 */
function apiTargetFor(
  options: EngineOptions,
  progress: (line: string) => void,
  { stackFileOptional = false }: { stackFileOptional?: boolean } = {},
): ApiTarget {
  // A mistyped --stack stops here, with "did you mean", before any evidence folder or state exists.
  // Only destroy works without the stack file (its tokens may outlive a deleted file).
  if (!stackFileOptional) readStackFile(stackFilePath(path.resolve(options.projectDir), options.stack));
  return resolveApiTarget(options, progress);
}
