import path from "node:path";
import type { Command } from "commander";
import { buildPipeline, type EngineKind, type Pipeline } from "../automation/context";
import { CLOUDFLARE_API_BASE } from "../cloudflare/client";
import { UsageError } from "./errors";

/** The options of every command that works on a deployed stack through an engine (up, rotate, verify --engine …). */
export interface EngineOptions {
  stack: string;
  engine: EngineKind;
  apiBase: string;
  provisionerTokenEnv: string;
  evidenceDir: string;
  projectDir: string;
  sandboxStateDir?: string;
  policyPack?: string[];
  /** Verification probes every chosen zone instead of a sample (`up`, `rotate`, `verify --engine`). */
  probeAllZones?: boolean;
}

/** `--probe-all-zones`, for the commands that verify. */
export const PROBE_ALL_ZONES_FLAG = [
  "--probe-all-zones",
  "verification asks for every chosen zone with the token (one call each) instead of a sample of 5; coverage is proven from the token's policies either way",
] as const;

const ENGINES: readonly EngineKind[] = ["pulumi", "sandbox"];

export function withEngineOptions(command: Command): Command {
  return command
    .requiredOption("-s, --stack <env>", "stack name (stacks/Pulumi.<env>.yaml)")
    .option("--engine <kind>", "pulumi (Automation API + Pulumi CLI) or sandbox (rehearsal against `cfct sandbox`)", "pulumi")
    .option("--api-base <url>", "Cloudflare API base URL (a sandbox's baseUrl with --engine sandbox)", process.env.CLOUDFLARE_BASE_URL ?? CLOUDFLARE_API_BASE)
    .option("--provisioner-token-env <var>", "environment variable holding the provisioner credential", "CLOUDFLARE_API_TOKEN")
    .option("--evidence-dir <dir>", "where evidence JSON and Markdown go", "evidence")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml", process.cwd())
    .option("--sandbox-state-dir <dir>", "rehearsal engine state (default <project>/.cfct/sandbox/<stack>)")
    .option("--policy-pack <dir...>", "policy packs to run with the Pulumi engine (e.g. policies)");
}

export function pipelineFor(options: EngineOptions, progress: (line: string) => void): Pipeline {
  if (!ENGINES.includes(options.engine)) throw new UsageError(`--engine ${options.engine} is not one of ${ENGINES.join(", ")}`);
  const provisionerToken = process.env[options.provisionerTokenEnv];
  if (!provisionerToken) {
    throw new UsageError(
      `${options.provisionerTokenEnv} is not set. Fix: export the provisioner credential (API Tokens Write and/or Account API Tokens Write, see README) in ${options.provisionerTokenEnv}, or name another variable with --provisioner-token-env`,
    );
  }
  return buildPipeline({
    projectDir: path.resolve(options.projectDir),
    stack: options.stack,
    engine: options.engine,
    apiBase: options.apiBase,
    provisionerToken,
    progress,
    ...(options.sandboxStateDir ? { sandboxStateDir: path.resolve(options.sandboxStateDir) } : {}),
    ...(options.policyPack ? { policyPacks: options.policyPack } : {}),
    ...(options.probeAllZones ? { probeAllZones: true } : {}),
  });
}

