import path from "node:path";
import type { Command } from "commander";
import { buildPipeline, type EngineKind } from "./build-pipeline";
import { CLOUDFLARE_API_BASE } from "../cloudflare/client";
import { ALLOW_REGISTRATION_HOST_FLAG } from "../config/registration/hosts";
import { announcementFile, readAnnouncement } from "../sandbox/announcement";
import { UsageError } from "./errors";
import { parseStackName } from "./stack-name";
import { type Pipeline } from "../automation/pipeline";

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
  /** Hosts a registrar may send to beyond its vendor's documented ones (never settable from a stack file). */
  allowRegistrationHost?: string[];
}

/** `--probe-all-zones`, for the commands that verify. */
export const PROBE_ALL_ZONES_FLAG = [
  "--probe-all-zones",
  "verification asks for every chosen zone with the token (one call each) instead of a sample of 5; coverage is proven from the token's policies either way",
] as const;

const ENGINES: readonly EngineKind[] = ["pulumi", "sandbox"];

export function withEngineOptions(command: Command): Command {
  return command
    .requiredOption("-s, --stack <env>", "stack name (stacks/Pulumi.<env>.yaml)", parseStackName)
    .option("--engine <kind>", "pulumi (Automation API + Pulumi CLI) or sandbox (rehearsal against `cfct sandbox`)", "pulumi")
    .option("--api-base <url>", "Cloudflare API base URL (default: Cloudflare's; with --engine sandbox, the running `cfct sandbox`)")
    .option("--provisioner-token-env <var>", "environment variable holding the provisioner credential", "CLOUDFLARE_API_TOKEN")
    .option("--evidence-dir <dir>", "where evidence JSON and Markdown go", "evidence")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml", process.cwd())
    .option("--sandbox-state-dir <dir>", "rehearsal engine state (default <project>/.cfct/sandbox/<stack>)")
    .option("--policy-pack <dir...>", "policy packs to run with the Pulumi engine (e.g. policies)")
    .option("--policy-pack-config <file...>", "a config file per policy pack, in the same order (e.g. policies/config.example.json)")
    .option(
      `${ALLOW_REGISTRATION_HOST_FLAG} <host...>`,
      "let registration send to this host although its vendor does not document it (e.g. your proxy for Datadog's API); a stack file alone cannot",
    );
}

/** `createStack`: only up and rotate may create a Pulumi stack that does not exist yet. */
export function pipelineFor(options: EngineOptions, progress: (line: string) => void, { createStack = false } = {}): Pipeline {
  if (!ENGINES.includes(options.engine)) throw new UsageError(`--engine ${options.engine} is not one of ${ENGINES.join(", ")}`);
  const target = apiTarget(options, progress);
  return buildPipeline({
    projectDir: path.resolve(options.projectDir),
    stack: options.stack,
    engine: options.engine,
    apiBase: target.apiBase,
    provisionerToken: target.provisionerToken,
    ...(target.controlUrl ? { controlUrl: target.controlUrl } : {}),
    provisionerTokenEnv: options.provisionerTokenEnv,
    createStack,
    progress,
    ...(options.sandboxStateDir ? { sandboxStateDir: path.resolve(options.sandboxStateDir) } : {}),
    // Pulumi runs in the project directory: a path the user typed is relative to where they typed it.
    ...(options.policyPack ? { policyPacks: options.policyPack.map((dir) => path.resolve(dir)) } : {}),
    ...(options.policyPackConfig ? { policyPackConfigs: options.policyPackConfig.map((file) => path.resolve(file)) } : {}),
    ...(options.probeAllZones ? { probeAllZones: true } : {}),
    ...(options.allowRegistrationHost ? { registrarOverrides: { allowedHosts: options.allowRegistrationHost } } : {}),
  });
}

/** What the two commands of a rehearsal are, for messages that must say how to start one. */
const START_REHEARSAL = "`cfct sandbox` (leave it running in another terminal), then `cfct up --stack <env> --engine sandbox`";

/**
 * The API and credential a run talks to. A rehearsal without --api-base uses the running
 * `cfct sandbox` and that sandbox's own provisioner credential, so a real Cloudflare credential in
 * the environment is never sent to it.
 */
function apiTarget(
  options: EngineOptions,
  progress: (line: string) => void,
): { apiBase: string; provisionerToken: string; controlUrl?: string } {
  const explicitBase = options.apiBase ?? process.env.CLOUDFLARE_BASE_URL;
  if (options.engine === "sandbox" && explicitBase === undefined) {
    const found = readAnnouncement();
    if (found.kind === "running") {
      progress(`sandbox: ${found.announcement.baseUrl} (from ${announcementFile()}), with its provisioner credential`);
      const { baseUrl, controlUrl, provisionerToken } = found.announcement;
      return { apiBase: baseUrl, controlUrl, provisionerToken };
    }
    const why =
      found.kind === "stale"
        ? `${announcementFile()} names a sandbox (pid ${found.announcement.pid}) that is no longer running`
        : found.kind === "invalid"
          ? `${announcementFile()} is unreadable (${found.reason})`
          : "no `cfct sandbox` is running";
    throw new UsageError(
      `--engine sandbox needs a running sandbox, and ${why}. Fix: run ${START_REHEARSAL}; or pass a sandbox's baseUrl as --api-base`,
    );
  }
  const provisionerToken = process.env[options.provisionerTokenEnv];
  if (!provisionerToken) {
    throw new UsageError(
      `${options.provisionerTokenEnv} is not set. Fix: export the provisioner credential (API Tokens Write and/or Account API Tokens Write, see README) in ${options.provisionerTokenEnv}, or name another variable with --provisioner-token-env`,
    );
  }
  return { apiBase: explicitBase ?? CLOUDFLARE_API_BASE, provisionerToken };
}
