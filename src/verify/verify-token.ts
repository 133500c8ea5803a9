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

/**
 * Proves a token does exactly what its platform needs, and explains every failure.
 * Checks, reported in this order: endpoint, liveness, exactness:* (needs the provisioner's client),
 * probe:*, coverage. Cost: a few fixed calls + one per probed group (× accounts for account routes)
 * + pages of zones. Every request goes through the clients the caller built.
 */
export async function verifyToken(input: VerifyInput): Promise<VerifyReport> {
  const { plan, clients } = input;
  const now = (input.now ?? (() => new Date()))();
  const owner = plan.owner;
  const zoneMode = zoneModeOf(input);
  const stack = input.stack !== undefined ? { stack: input.stack } : {};
  const found: { tokenId?: string; unlistedZones?: readonly string[]; lastUsedOn?: string | null } = {
    ...(input.by === "plan" && input.tokenId ? { tokenId: input.tokenId } : {}),
  };
  // Each step reports into its own slot, so the report reads in step order whatever order they ran in.
  const slots: Record<Step, Check[]> = { endpoint: [], liveness: [], exactness: [], probes: [], coverage: [] };
  const notChecked = (reason: string, ...steps: Step[]) => {
    for (const step of steps) slots[step] = [{ id: step, status: "skip", detail: `not checked: ${reason}` }];
  };
  const report = () => reportOf(input, Object.values(slots).flat(), found);

  // 1. Endpoint, without any credential: the token goes nowhere that does not answer like the API.
  const endpoint = await checkEndpoint(clients.apiBase, clients.anonymous, plan.scope.accounts, input.memo);
  slots.endpoint = [endpoint.check];
  if (!endpoint.usable) {
    notChecked("the endpoint check failed, so the token was not sent", "liveness", "exactness", "probes", "coverage");
    return report();
  }

  // 2. Liveness, unless the token must not be used from here: then its policies are all that can be proven.
  let unused: string | undefined;
  if (input.by === "plan" && input.withoutUse) {
    slots.liveness = [{ id: "liveness", status: "skip", detail: `the token was not sent: ${input.withoutUse}` }];
    unused = "the token was not sent";
  } else {
    const live = await checkLiveness({
      client: clients.token,
      ...(clients.provisioner ? { provisioner: clients.provisioner } : {}),
      owner,
      accounts: plan.scope.accounts,
      token: input.token,
      platformName: input.platform.displayName,
      ...(input.by === "plan" ? { tokenName: plan.name } : {}),
      ...stack,
      expiryWarnDays: input.expiryWarnDays ?? DEFAULT_EXPIRY_WARN_DAYS,
      now,
      allowedIps: plan.allowedIps,
      deniedIps: plan.deniedIps,
    });
    slots.liveness = [live.check];
    found.tokenId = live.verified?.id ?? found.tokenId;
    if (live.keptOutByPlannedFilter) unused = "the token's planned client-IP filter keeps this machine out";
    else if (!live.usable) {
      notChecked("the token is not live", "exactness", "probes", "coverage");
      return report();
    }
  }

  // 3. Exactness: the token read back through the provisioner, zone names resolved first.
  let readBack: ReadBack | undefined;
  let resolved: ResolvedZones | undefined;
  const exactness = async () => {
    if (!clients.provisioner || !found.tokenId) {
      slots.exactness = [exactnessSkipped(unused, clients.provisioner !== undefined)];
      return;
    }
    const zones = await resolveZones(plan, clients.provisioner);
    const compared = await checkExactness({
      provisioner: clients.provisioner,
      owner,
      tokenId: found.tokenId,
      plan,
      zoneIdsByName: zones.byName,
      zoneNamesById: zones.byId,
      zonesUnspecified: zoneMode.kind === "unspecified",
      plannedExpiryKnown: input.by === "plan" && input.plannedExpiryKnown === true,
      extraRead: input.extraReadGroups ?? "warn",
      ...stack,
      ...(input.by === "plan" && input.deployedGroups ? { deployedGroups: input.deployedGroups } : {}),
      ...(input.memo ? { memo: input.memo } : {}),
    });
    resolved = zones;
    readBack = compared.readBack;
    slots.exactness = compared.checks;
  };
  if (unused) {
    await exactness();
    found.lastUsedOn = lastUseIn(readBack);
    notChecked(unused, "probes", "coverage");
    return report();
  }

  // 5. Coverage: the zones the token reaches against the chosen ones; it samples the zones the probes run on.
  let coverage: CoverageResult | undefined;
  const coverageStep = async () => {
    coverage = await checkCoverage({
      client: clients.token,
      ...(clients.provisioner ? { provisioner: clients.provisioner } : {}),
      accounts: plan.scope.accounts,
      mode: zoneMode,
      profileText: `${plan.platform}/${plan.profile}`,
      ...stack,
      ...(readBack ? { readBack } : {}),
      ...(resolved ? { resolved } : {}),
      ...(input.probeAllZones ? { probeAllZones: true } : {}),
    });
    found.unlistedZones = coverage.unlistedZones;
    slots.coverage = [coverage.check, ...(coverage.listing ? [coverage.listing] : [])];
  };

  // 4. Probes: one request per planned group, zone groups on coverage's sample.
  const probes = async () => {
    slots.probes = await runProbes({
      client: clients.token,
      groups: plan.policies.filter((p) => p.effect === "allow").flatMap((p) => p.permissionGroups),
      accounts: plan.scope.accounts,
      zones: coverage?.sample ?? [],
      zoneSkipReason: "no chosen zone is visible to the token, and none is known by ID (see coverage)",
      ...stack,
    });
  };

  // A token that reads zones is read back first: one scoped to specific zones cannot list them, so
  // coverage proves them from its policies. One that reads none is read back after every use, so the
  // same read gives Cloudflare's last_used_on after cfct's own use (rotation's baseline).
  if (zoneMode.kind !== "none") for (const step of [exactness, coverageStep, probes]) await step();
  else {
    for (const step of [probes, exactness, coverageStep]) await step();
    found.lastUsedOn = lastUseIn(readBack);
  }

  const checks = Object.values(slots).flat();
  if (clients.refusals.token.count + clients.refusals.provisioner.count > 0)
    await recheckAfterRefusals(checks, {
      ...(clients.refusals.token.count > 0 ? { client: clients.token } : {}),
      ...(clients.provisioner && clients.refusals.provisioner.count > 0 ? { provisioner: clients.provisioner } : {}),
      owner,
      stack: input.stack,
      platformName: input.platform.displayName,
    });
  return reportOf(input, checks, found);
}

/** Why exactness could not read the token back. */
function exactnessSkipped(unused: string | undefined, hasProvisioner: boolean): Check {
  if (unused)
    return {
      id: "exactness",
      status: "skip",
      detail: `not checked: ${unused}, and ${hasProvisioner ? "its ID is unknown" : "no provisioner credential was given"}`,
    };
  if (hasProvisioner) return { id: "exactness", status: "skip", detail: "not checked: the verify route returned no token id" };
  return {
    id: "exactness",
    status: "skip",
    detail: "not checked: no provisioner credential to read the token's policies",
    remedy:
      "Pass --provisioner-token-env <VAR> naming a credential with API Tokens Read (user tokens) or Account API Tokens Read (account tokens).",
  };
}

/** Which zones the token must reach: none, the chosen ones, all, or (no zones named) whatever the chosen accounts hold. */
function zoneModeOf(input: VerifyInput): ZoneMode {
  const readsZones = input.plan.policies.some((p) => p.permissionGroups.some((g) => g.scope === SCOPES.zone));
  if (!readsZones) return { kind: "none" };
  if (input.by === "platform" && input.zonesUnspecified) return { kind: "unspecified" };
  const zones = input.plan.scope.zones;
  return zones === "all" ? { kind: "all" } : { kind: "explicit", zones };
}

/** Cloudflare's last_used_on of a token read back (null: never used), when it was read. */
function lastUseIn(readBack: ReadBack | undefined): string | null | undefined {
  return readBack ? (readBack.token.last_used_on ?? null) : undefined;
}

function reportOf(
  input: VerifyInput,
  checks: readonly Check[],
  found: { tokenId?: string; unlistedZones?: readonly string[]; lastUsedOn?: string | null },
): VerifyReport {
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
