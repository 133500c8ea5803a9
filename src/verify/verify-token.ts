import { redact } from "../cloudflare/http";
import { SCOPES } from "../domain/permission-group";
import { checkCoverage } from "./coverage";
import { checkEndpoint } from "./endpoint";
import { checkExactness } from "./exactness";
import { checkLiveness } from "./liveness";
import { runProbes } from "./probes";
import { recheckAfterRefusals } from "./recheck";
import { resolveZones } from "./resolve-zones";
import { CfctError } from "../domain/cfct-error";
import type { Check, CoverageResult, ReadBack, ResolvedZones, VerifyInput, VerifyReport, ZoneMode } from "./types";

/** The input names something that cannot be verified (e.g. a stack token without a value): a usage error. */
export class VerifyInputError extends CfctError {
  override name = "VerifyInputError";
}

const DEFAULT_EXPIRY_WARN_DAYS = 14;

type Step = "endpoint" | "liveness" | "exactness" | "probes" | "coverage";

/** The order checks are reported in, whatever order the steps ran in. */
const REPORT_ORDER: readonly Step[] = ["endpoint", "liveness", "exactness", "probes", "coverage"];

/**
 * The order the steps run in. A token that reads zones is read back first: one scoped to specific
 * zones cannot list them, so coverage proves them from its policies, and coverage picks the zones the
 * probes run on. One that reads none is read back after the probes, so the same read gives
 * Cloudflare's last_used_on after cfct's own use (rotation's baseline).
 */
function runOrder(zoneMode: ZoneMode): readonly Step[] {
  return zoneMode.kind === "none"
    ? ["endpoint", "liveness", "probes", "exactness", "coverage"]
    : ["endpoint", "liveness", "exactness", "coverage", "probes"];
}

/**
 * Proves a token does exactly what its platform needs, and explains every failure.
 * Checks, reported in this order: endpoint, liveness, exactness:* (needs the provisioner's client),
 * probe:*, coverage. Cost: a few fixed calls + one per probed group (× accounts for account routes)
 * + pages of zones. Every request goes through the clients the caller built.
 */
export async function verifyToken(input: VerifyInput): Promise<VerifyReport> {
  const run = new Verification(input);
  const reported: Partial<Record<Step, readonly Check[]>> = {};
  for (const step of runOrder(run.zoneMode)) {
    const reason = run.skipReason(step);
    reported[step] = reason !== undefined ? [skipped(step, reason)] : await run[step]();
  }
  const checks = REPORT_ORDER.flatMap((step) => reported[step] ?? []);
  // A run cut short is not re-checked: its later steps did not run, or must not send the token again.
  if (run.stopped === undefined && run.unused === undefined) await run.recheck(checks);
  return reportOf(input, checks, run.found());
}

/** A step that did not run, and why. */
function skipped(step: Step, reason: string, remedy?: string): Check {
  return { id: step, status: "skip", detail: `not checked: ${reason}`, ...(remedy !== undefined ? { remedy } : {}) };
}

/** One token's verification: what each step learns for the steps after it. */
class Verification {
  readonly zoneMode: ZoneMode;
  /** Why no later step is checked (the endpoint failed, the token is not live). */
  stopped: string | undefined;
  /** Why the token is not sent again: only its policies (exactness) are still checked. */
  unused: string | undefined;
  private tokenId: string | undefined;
  private readBack: ReadBack | undefined;
  private resolved: ResolvedZones | undefined;
  private coverageResult: CoverageResult | undefined;
  /** The probes sent the token after the read-back, so its last_used_on is not the baseline after cfct's use. */
  private probedAfterReadBack = false;

  constructor(private readonly input: VerifyInput) {
    this.zoneMode = zoneModeOf(input);
    this.tokenId = input.by === "plan" ? input.tokenId : undefined;
  }

  private get stack(): { stack?: string } {
    return this.input.stack !== undefined ? { stack: this.input.stack } : {};
  }

  skipReason(step: Step): string | undefined {
    return this.stopped ?? (step === "probes" || step === "coverage" ? this.unused : undefined);
  }

  /** Without any credential: the token goes nowhere that does not answer like the API. */
  async endpoint(): Promise<Check[]> {
    const { clients, plan, memo } = this.input;
    const endpoint = await checkEndpoint(clients.apiBase, clients.anonymous, plan.scope.accounts, memo);
    if (!endpoint.usable) this.stopped = "the endpoint check failed, so the token was not sent";
    return [endpoint.check];
  }

  /** Unless the token must not be used from here: then its policies are all that can be proven. */
  async liveness(): Promise<Check[]> {
    const { input } = this;
    if (input.by === "plan" && input.withoutUse) {
      this.unused = "the token was not sent";
      return [skipped("liveness", `${this.unused}: ${input.withoutUse}`)];
    }
    const live = await checkLiveness({
      client: input.clients.token,
      ...(input.clients.provisioner ? { provisioner: input.clients.provisioner } : {}),
      owner: input.plan.owner,
      accounts: input.plan.scope.accounts,
      token: input.token,
      platformName: input.platform.displayName,
      ...(input.by === "plan" ? { tokenName: input.plan.name } : {}),
      ...this.stack,
      expiryWarnDays: input.expiryWarnDays ?? DEFAULT_EXPIRY_WARN_DAYS,
      now: (input.now ?? (() => new Date()))(),
      allowedIps: input.plan.allowedIps,
      deniedIps: input.plan.deniedIps,
    });
    this.tokenId = live.verified?.id ?? this.tokenId;
    if (live.keptOutByPlannedFilter) this.unused = "the token's planned client-IP filter keeps this machine out";
    else if (!live.usable) this.stopped = "the token is not live";
    return [live.check];
  }

  /** The token read back through the provisioner, zone names resolved first. */
  async exactness(): Promise<Check[]> {
    const { input, tokenId } = this;
    const provisioner = input.clients.provisioner;
    if (!provisioner || !tokenId) return [whyNotReadBack(this.unused, provisioner !== undefined)];
    const zones = await resolveZones(input.plan, provisioner);
    const compared = await checkExactness({
      provisioner,
      owner: input.plan.owner,
      tokenId,
      plan: input.plan,
      zoneIdsByName: zones.byName,
      zoneNamesById: zones.byId,
      zonesUnspecified: this.zoneMode.kind === "unspecified",
      plannedExpiryKnown: input.by === "plan" && input.plannedExpiryKnown === true,
      extraRead: input.extraReadGroups ?? "warn",
      ...this.stack,
      ...(input.by === "plan" && input.deployedGroups ? { deployedGroups: input.deployedGroups } : {}),
      ...(input.memo ? { memo: input.memo } : {}),
    });
    this.resolved = zones;
    this.readBack = compared.readBack;
    return compared.checks;
  }

  /** The zones the token reaches against the chosen ones; it samples the zones the probes run on. */
  async coverage(): Promise<Check[]> {
    const { input, readBack, resolved } = this;
    const coverage = await checkCoverage({
      client: input.clients.token,
      ...(input.clients.provisioner ? { provisioner: input.clients.provisioner } : {}),
      accounts: input.plan.scope.accounts,
      mode: this.zoneMode,
      profileText: `${input.plan.platform}/${input.plan.profile}`,
      ...this.stack,
      ...(readBack ? { readBack } : {}),
      ...(resolved ? { resolved } : {}),
      ...(input.probeAllZones ? { probeAllZones: true } : {}),
    });
    this.coverageResult = coverage;
    return [coverage.check, ...(coverage.listing ? [coverage.listing] : [])];
  }

  /** One request per planned group, zone groups on coverage's sample. */
  async probes(): Promise<Check[]> {
    const { plan, clients } = this.input;
    this.probedAfterReadBack = this.readBack !== undefined;
    return runProbes({
      client: clients.token,
      groups: plan.policies.filter((p) => p.effect === "allow").flatMap((p) => p.permissionGroups),
      accounts: plan.scope.accounts,
      zones: this.coverageResult?.sample ?? [],
      zoneSkipReason: "no chosen zone is visible to the token, and none is known by ID (see coverage)",
      readsGroupsBack: clients.provisioner !== undefined,
      ...this.stack,
    });
  }

  /** After a refusal, failed checks wait for a liveness re-check of both credentials. */
  async recheck(checks: Check[]): Promise<void> {
    const { clients, plan, stack, platform } = this.input;
    if (clients.refusals.token.count + clients.refusals.provisioner.count === 0) return;
    await recheckAfterRefusals(checks, {
      ...(clients.refusals.token.count > 0 ? { client: clients.token } : {}),
      ...(clients.provisioner && clients.refusals.provisioner.count > 0 ? { provisioner: clients.provisioner } : {}),
      owner: plan.owner,
      stack,
      platformName: platform.displayName,
    });
  }

  found(): Found {
    return {
      ...(this.tokenId ? { tokenId: this.tokenId } : {}),
      ...(this.coverageResult?.unlistedZones ? { unlistedZones: this.coverageResult.unlistedZones } : {}),
      ...(this.readBack && !this.probedAfterReadBack ? { lastUsedOn: this.readBack.token.last_used_on ?? null } : {}),
    };
  }
}

/** Why exactness could not read the token back. */
function whyNotReadBack(unused: string | undefined, hasProvisioner: boolean): Check {
  if (unused) return skipped("exactness", `${unused}, and ${hasProvisioner ? "its ID is unknown" : "no provisioner credential was given"}`);
  if (hasProvisioner) return skipped("exactness", "the verify route returned no token id");
  return skipped(
    "exactness",
    "no provisioner credential to read the token's policies",
    "Pass --provisioner-token-env <VAR> naming a credential with API Tokens Read (user tokens) or Account API Tokens Read (account tokens).",
  );
}

/** Which zones the token must reach: none, the chosen ones, all, or (no zones named) whatever the chosen accounts hold. */
function zoneModeOf(input: VerifyInput): ZoneMode {
  const readsZones = input.plan.policies.some((p) => p.permissionGroups.some((g) => g.scope === SCOPES.zone));
  if (!readsZones) return { kind: "none" };
  if (input.by === "platform" && input.zonesUnspecified) return { kind: "unspecified", ...input.zonesUnspecified };
  const zones = input.plan.scope.zones;
  return zones === "all" ? { kind: "all" } : { kind: "explicit", zones };
}

/** What the run learnt about the token beyond its checks. */
interface Found {
  readonly tokenId?: string;
  readonly unlistedZones?: readonly string[];
  /** Cloudflare's last_used_on (null: never used), when it was read after cfct's last use of the token. */
  readonly lastUsedOn?: string | null;
}

function reportOf(input: VerifyInput, checks: readonly Check[], found: Found): VerifyReport {
  const secrets = [input.token, ...input.clients.secrets];
  const scrubbed = checks.map((c) => ({
    id: c.id,
    status: c.status,
    detail: redact(c.detail, secrets),
    ...(c.remedy !== undefined ? { remedy: redact(c.remedy, secrets) } : {}),
  }));
  return {
    ok: scrubbed.every((c) => c.status !== "fail"),
    platform: input.platform.key,
    ...(input.by === "plan" ? { tokenKey: input.plan.key } : {}),
    ...(found.tokenId ? { tokenId: found.tokenId } : {}),
    apiCalls: input.clients.token.apiCalls(),
    checks: scrubbed,
    ...(found.unlistedZones ? { unlistedZones: found.unlistedZones } : {}),
    ...(found.lastUsedOn !== undefined ? { lastUsedOn: found.lastUsedOn } : {}),
  };
}
