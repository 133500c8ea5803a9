import { isDeepStrictEqual } from "node:util";
import { unknownValue } from "@pulumi/pulumi/runtime";
import { platformCatalog, type ConnectionSettings, type Settings } from "../config/schema";
import type { CleanupEvidence, EvidenceClock, EvidenceToken, VerifyEvidence } from "../evidence/record";
import { plan } from "../plan/plan";
import { configWarnings } from "../config/warnings";
import { PLATFORMS, type PlatformDefinition } from "../platforms";
import { RegistrationConfigError, type PickupCheck, type Registrar, type RegistrationOutcome } from "../registration";
import type { CloudflareClient } from "../cloudflare/client";
import type { RateBudgets } from "../cloudflare/pacing";
import { NothingChangedError } from "../domain/run-errors";
import type { ChangeOp, DeployedToken, StackEngine } from "./engine";
import { describePreflight, type PreflightReport } from "./preflight";
import { isRegistered, pinGenerations, planFor, withOwnUse, withRegistration } from "./generations";
import { rfc3339 } from "../domain/time";
import { type TokenPlan } from "../domain/plan";
import { type TokenGenerations } from "../domain/generation";

/** Verification's evidence, and Cloudflare's last_used_on when verification read it after its last use of the token. */
export type VerifiedToken = VerifyEvidence & { readonly lastUsedOn?: string | null };

/** Proves a deployed token does what its plan says (src/verify behind it). */
export interface TokenVerifier {
  /** `withoutUse`: why the token must not be sent (its policies are still checked). */
  verify(request: {
    token: DeployedToken;
    plan: TokenPlan;
    /** The plan's platform: built in, or defined by the stack file. */
    platform: PlatformDefinition;
    value: string;
    withoutUse?: string;
  }): Promise<VerifiedToken>;
}

/** Reads what Cloudflare knows about a token that rotation needs: when it was last used, and whether it was found exposed. */
export interface TokenInspector {
  lastUsedOn(token: DeployedToken): Promise<string | null>;
  /** Cloudflare deactivated the token because its value was found exposed: it must be replaced now. */
  exposed(token: DeployedToken): Promise<boolean>;
}

/** Everything a deploy, destroy or rotation talks to; built once per command. */
export interface PipelineContext {
  readonly engine: StackEngine;
  readonly verifier: TokenVerifier;
  readonly inspector: TokenInspector;
  readonly registrarFor: (connection: ConnectionSettings) => Registrar;
  /** The API base URL platforms are told to call (Cloudflare's, or the sandbox's in a rehearsal). */
  readonly apiBaseUrl: string;
  readonly now: () => Promise<Date>;
  readonly progress: (line: string) => void;
  /** Can the provisioner deploy these settings (given what is deployed)? Run before anything is created (src/automation/preflight.ts). */
  readonly preflight: (settings: Settings, deployed?: readonly DeployedToken[]) => Promise<PreflightReport>;
  /** Where a long verification and registration stands, after each token; a TTY shows it as one line rewritten in place. */
  readonly status?: (status: ProgressStatus) => void;
}

/** One command's wiring (src/cli/build-pipeline.ts builds it): the context a run gets, and what it counts. */
export interface Pipeline {
  readonly context: PipelineContext;
  readonly pickupCheckFor: (connection: ConnectionSettings) => PickupCheck | undefined;
  /** The provisioner's client the engine and rotation's reads use: its requests count in `apiCalls` and spend its budget. */
  readonly provisioner: CloudflareClient;
  /** API calls of the engine and rotation's reads so far; verification counts its own. */
  readonly apiCalls: () => number;
  /** How many times this pipeline has changed something (a deploy that changed tokens, a registration begun): a run compares before and after. */
  readonly changes: () => number;
  /** Every principal's rate-limit budget, shared by the engine, verify and rotation. */
  readonly budgets: RateBudgets;
  /** Which clock `context.now` reads (real time, or a rehearsal's sandbox): evidence says so. */
  readonly clock: () => Promise<EvidenceClock>;
  /** Tokens an interrupted earlier run left, which this pipeline's engine has deleted so far (its evidence records them). */
  readonly cleanups: () => readonly CleanupEvidence[];
}

export interface ProgressStatus {
  /** Tokens handled so far, of `total`. */
  readonly done: number;
  readonly total: number;
  readonly step: "verify and register" | "verify";
  /** The logical name of the token just handled. */
  readonly token: string;
}

export interface RunSummary {
  readonly ok: boolean;
  readonly tokens: EvidenceToken[];
  readonly problems: string[];
  /** Tokens an earlier, interrupted run deployed without verifying and registering them, which this run picked up. */
  readonly pickedUp?: number;
}

/**
 * `cfct up`: pin generations, deploy, then for every token generation that is new, changed or not
 * yet with its platform: verify it and, only if verification passes, register it.
 */
export async function runUp(ctx: PipelineContext): Promise<RunSummary> {
  const { settings, generations } = await pinnedSettings(ctx);
  ctx.progress(ctx.engine.label);
  const result = await ctx.engine.up();
  const changeOf = (logicalName: string): ChangeOp => result.changes.find((c) => c.logicalName === logicalName)?.op ?? "same";
  for (const change of result.changes.filter((c) => c.op !== "same")) ctx.progress(`${change.logicalName}: ${change.op}d`);
  const { generations: _recorded, ...summary } = await verifyAndRegisterAll(ctx, { ...settings, generations }, result.tokens, changeOf);
  return summary;
}

/**
 * Settings with generations pinned (and saved with the stack when they changed). Every connection's
 * registrar is built and asked whether it would refuse first, so a missing webhook secret or a
 * hand-off directory inside a repository stops the run before a token exists that could not be
 * registered; then the provisioner is checked, so a missing permission stops it before a half-deploy.
 */
export async function pinnedSettings(ctx: PipelineContext): Promise<{ settings: Settings; generations: TokenGenerations }> {
  const { settings, recorded, deployed } = await currentSettings(ctx);
  for (const warning of configWarnings(settings)) ctx.progress(`warning: ${warning}`);
  const refusals = settings.connections.flatMap((connection) => {
    const refusal = ctx.registrarFor(connection).refusal?.(settings.stack);
    return refusal ? [`connection ${connection.name}: ${refusal}`] : [];
  });
  if (refusals.length > 0) throw new RegistrationConfigError(refusals.join("\n"));
  const report = await ctx.preflight(settings, deployed);
  if (report.findings.length > 0) throw new NothingChangedError(describePreflight(report, settings.stack));
  for (const note of report.notes) ctx.progress(`note: ${note}`);
  if (!isDeepStrictEqual(settings.generations, recorded)) await ctx.engine.saveGenerations(settings.generations);
  return { settings, generations: settings.generations };
}

/** Settings with the generations the stack really has (from its outputs), without recording anything. */
async function currentSettings(
  ctx: PipelineContext,
): Promise<{ settings: Settings; recorded: TokenGenerations; deployed: readonly DeployedToken[] }> {
  const settings = await ctx.engine.settings();
  const now = await ctx.now();
  const keys = [...new Set(plan(settings, PLATFORMS, now).map((p) => p.key))];
  const deployed = await ctx.engine.outputs();
  const generations = pinGenerations(settings.generations, deployed, keys, now);
  return { settings: { ...settings, generations }, recorded: settings.generations, deployed };
}

/**
 * `cfct verify --stack <env> --engine …`: every deployed token, its value from the stack's state
 * (its token resource's secret `value`). Registers nothing; it only moves the use baseline of tokens it used (see verifyAndRegisterAll).
 */
export async function runVerify(ctx: PipelineContext): Promise<RunSummary> {
  const { settings } = await currentSettings(ctx);
  const { generations: _recorded, ...summary } = await verifyAndRegisterAll(ctx, settings, await ctx.engine.outputs(), () => "same", {
    verifyOnly: true,
  });
  return summary;
}

/**
 * Verifies and registers each token that needs it (with `verifyOnly`, verifies every token and
 * registers none); records registrations with the stack as they happen. A registered token that cfct
 * itself just used gets a new use baseline, so rotation never mistakes cfct's use for the platform's.
 */
export async function verifyAndRegisterAll(
  ctx: PipelineContext,
  settings: Settings,
  tokens: readonly DeployedToken[],
  changeOf: (logicalName: string) => ChangeOp,
  options: { verifyOnly?: boolean } = {},
): Promise<RunSummary & { generations: TokenGenerations }> {
  const plans = plan(settings, PLATFORMS, await ctx.now());
  let generations = settings.generations;
  const evidence: EvidenceToken[] = [];
  const problems: string[] = [];
  // Deployed before this run and never registered: an earlier run stopped between deploy and registration.
  const pickedUp = options.verifyOnly
    ? 0
    : tokens.filter(
        (t) =>
          changeOf(t.logicalName) === "same" &&
          planFor(plans, t) &&
          !isRegistered(generations, t) &&
          !supersededByRegistered(generations, t),
      ).length;
  if (pickedUp > 0) ctx.progress(`resuming: picked up ${pickedUp} token(s) an earlier run deployed but did not verify and register`);
  const stepName = options.verifyOnly ? "verify" : "verify and register";
  for (const [index, token] of tokens.entries()) {
    try {
      await verifyAndRegisterOne(token);
    } finally {
      ctx.status?.({ done: index + 1, total: tokens.length, step: stepName, token: token.logicalName });
    }
  }
  return { ok: problems.length === 0, tokens: evidence, problems, generations, pickedUp };

  async function verifyAndRegisterOne(token: DeployedToken): Promise<void> {
    const tokenPlan = planFor(plans, token);
    const change = changeOf(token.logicalName);
    const registered = isRegistered(generations, token);
    if (!tokenPlan) {
      problems.push(`${token.logicalName}: deployed but not in the stack's plan; the next up removes it`);
      return;
    }
    if (registered && change === "same" && !options.verifyOnly) {
      ctx.progress(`${token.logicalName}: unchanged, already with ${token.platform}`);
      evidence.push(evidenceToken(token, tokenPlan, change));
      return;
    }
    // A registered successor waits for its platform to use it: cfct must not use it, or its use would count as the platform's.
    const awaitingPickup = registered && generations[token.key]?.successor?.generation === token.generation;
    const step = await verifyAndRegister(ctx, settings, token, tokenPlan, {
      register: !registered && !options.verifyOnly && !supersededByRegistered(generations, token),
      ...(awaitingPickup
        ? { withoutUse: "this generation waits for its platform to use it, and cfct's own use would look like the platform's" }
        : {}),
    });
    evidence.push(evidenceToken(token, tokenPlan, change, step.verify, step.registration));
    problems.push(...step.problems);
    const nowRegistered = step.registration !== undefined && step.registration.status !== "failed";
    // A token that failed verification may be gone (revoked by hand): there is no use of it to record.
    if (nowRegistered || (registered && !awaitingPickup && step.verify.ok)) {
      if (nowRegistered) generations = withRegistration(generations, token, rfc3339(await ctx.now()));
      // Verification read it back after its last use, when it could; else it is read now.
      generations = withOwnUse(generations, token, step.lastUsedOn !== undefined ? step.lastUsedOn : await ctx.inspector.lastUsedOn(token));
      await ctx.engine.saveGenerations(generations);
    }
  }
}

/** Never hand a platform an older generation than one it already has. */
function supersededByRegistered(generations: TokenGenerations, token: DeployedToken): boolean {
  const record = generations[token.key];
  return [record?.active, record?.successor].some(
    (g) => g !== undefined && g.generation > token.generation && g.registeredAt !== undefined,
  );
}

/** Absent, blank, or Pulumi's placeholder for a value not known yet: nothing a platform could use. */
function isUsableValue(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "" && value !== unknownValue;
}

/**
 * Cloudflare returns a token's value only in the create (or roll) response, and the Terraform
 * provider that @pulumi/cloudflare bridges has been reported to lose it from state after an apply,
 * a refresh or an update (cloudflare/terraform-provider-cloudflare#5273, #5648, #5967). The token
 * exists but nobody can learn its value again, so only a new generation helps.
 */
function missingValueProblem(token: DeployedToken, settings: Settings): string {
  return (
    `${token.logicalName}: the stack's state holds no value for this token (its token resource's value is empty or unknown), so it was neither verified nor registered. ` +
    "This is a known provider issue: Cloudflare returns a token's value only when it is created, and the Cloudflare provider can lose it from state " +
    "(cloudflare/terraform-provider-cloudflare#5273, #5648, #5967). " +
    `Fix: cfct rotate --stack ${settings.stack} --force issues a new generation, whose value comes from its own create call.`
  );
}

export interface VerifyAndRegisterResult {
  readonly verify: VerifyEvidence;
  readonly registration?: RegistrationOutcome;
  readonly problems: string[];
  /** Cloudflare's last_used_on, when verification read it after its last use of the token. */
  readonly lastUsedOn?: string | null;
}

/** Verify one token generation and, if asked and it passed, register it with its platform. */
export async function verifyAndRegister(
  ctx: PipelineContext,
  settings: Settings,
  token: DeployedToken,
  tokenPlan: TokenPlan,
  options: { register: boolean; withoutUse?: string },
): Promise<VerifyAndRegisterResult> {
  const value = await ctx.engine.tokenValue(token.logicalName);
  if (!isUsableValue(value)) return { verify: { ok: false, apiCalls: 0, checks: [] }, problems: [missingValueProblem(token, settings)] };
  const { lastUsedOn, ...verify } = await ctx.verifier.verify({
    token,
    plan: tokenPlan,
    platform: platformCatalog(settings)[tokenPlan.platform]!,
    value,
    ...(options.withoutUse ? { withoutUse: options.withoutUse } : {}),
  });
  const used = lastUsedOn !== undefined ? { lastUsedOn } : {};
  const failed = verify.checks.filter((c) => c.status === "fail");
  const warned = verify.checks.filter((c) => c.status === "warn").map((c) => c.id);
  const outcome = verify.ok
    ? `ok${warned.length > 0 ? ` with warning(s) ${warned.join(", ")}` : ""}`
    : `FAILED (${failed.map((c) => c.id).join(", ")})`;
  ctx.progress(`${token.logicalName}: verified ${outcome} in ${verify.apiCalls} API calls`);
  if (!verify.ok) {
    return {
      verify,
      ...used,
      problems: failed.map((c) => `${token.logicalName}: ${c.id}: ${c.detail}${c.remedy ? ` Fix: ${c.remedy}` : ""}`),
    };
  }
  if (!options.register) return { verify, ...used, problems: [] };
  const connection = settings.connections.find((c) => c.name === tokenPlan.connection);
  if (!connection)
    return { verify, ...used, problems: [`${token.logicalName}: connection ${tokenPlan.connection} is not in the stack config`] };
  const registration = await ctx.registrarFor(connection).register({
    stack: settings.stack,
    connection: connection.name,
    platform: connection.platform,
    tokenKey: token.key,
    tokenId: token.id,
    tokenName: token.name,
    generation: token.generation,
    expiresOn: token.expiresOn,
    owner: token.owner,
    value,
    apiBaseUrl: ctx.apiBaseUrl,
    accounts: tokenPlan.scope.accounts,
    ...(verify.unlistedZones ? { unlistedZones: verify.unlistedZones } : {}),
  });
  ctx.progress(`${token.logicalName}: ${registration.status} (${registration.registrar}) ${registration.detail}`);
  return {
    verify,
    ...used,
    registration: { ...registration, at: rfc3339(await ctx.now()) },
    problems: registration.status === "failed" ? [`${token.logicalName}: registration failed: ${registration.detail}`] : [],
  };
}

export function evidenceToken(
  token: DeployedToken,
  tokenPlan: TokenPlan | undefined,
  change: ChangeOp,
  verify?: VerifyEvidence,
  registration?: RegistrationOutcome,
): EvidenceToken {
  return {
    key: token.key,
    logicalName: token.logicalName,
    id: token.id,
    name: token.name,
    platform: token.platform,
    owner: token.owner,
    generation: token.generation,
    groups: token.groups.map(({ name, scope }) => ({ name, scope })),
    resources: token.resources,
    expiresOn: token.expiresOn,
    ipFilter: { allowed: [...(tokenPlan?.allowedIps ?? [])], denied: [...(tokenPlan?.deniedIps ?? [])] },
    change,
    ...(verify ? { verify } : {}),
    ...(registration ? { registration: { ...registration } } : {}),
  };
}
