import {
  ApiCallCounter,
  CLOUDFLARE_API_BASE,
  createCloudflareClient,
  normalizeBaseUrl,
  type CloudflareClient,
  type ZoneSummary,
} from "../cloudflare/client";
import { redact } from "../cloudflare/http";
import { accountTokenPrincipal, PROVISIONER_USER, RateBudget, RateBudgets } from "../cloudflare/pacing";
import { HEX32 } from "../domain/ids";
import { ConfigError, formatValue, parseSettings } from "../config/schema";
import { plan as planTokens } from "../plan/plan";
import { zoneNamesIn } from "../domain/resource-keys";
import { checkCoverage, type ResolvedZones, type ZoneMode } from "./coverage";
import { checkEndpoint } from "./endpoint";
import { checkExactness, type ReadBack } from "./exactness";
import { checkLiveness, stoppedWorking } from "./liveness";
import { CONCURRENCY, mapLimit } from "./limit";
import { runProbes } from "./probes";
import type { Check, VerifyInput, VerifyReport } from "./types";
import { ZONES_PER_PAGE, completeView, listAccountZones, zoneCount, type ZoneView } from "./zones";
import { type TokenOwner } from "../domain/owner";
import { rotateCommand } from "./diagnose";
import { SCOPES, type PermissionGroupRef } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";
import { CfctError } from "../domain/cfct-error";

/** The input names something that cannot be verified (unknown profile, bad account ID…): a usage error. */
export class VerifyInputError extends CfctError {
  override name = "VerifyInputError";
}

const DEFAULT_EXPIRY_WARN_DAYS = 14;

/**
 * Proves a token does exactly what its platform needs, and explains every failure.
 * Checks: endpoint, liveness, exactness:* (needs `provisionerToken`), probe:*, coverage.
 * Cost: a few fixed calls + one per probed group (× accounts for account routes) + pages of zones.
 */
export async function verifyToken(input: VerifyInput): Promise<VerifyReport> {
  const now = (input.now ?? (() => new Date()))();
  const { plan, owner, planFromStack, zoneMode, plannedExpiryKnown } = expectedToken(input, now);
  const apiBase = normalizeBaseUrl(input.apiBase ?? CLOUDFLARE_API_BASE);
  const counter = new ApiCallCounter();
  const secrets = [input.token, input.provisionerToken].filter((s): s is string => !!s);
  const clientOptions = { baseUrl: apiBase, counter, secrets, ...input.client };
  const checks: Check[] = [];
  let tokenId: string | undefined;
  // Set by the coverage step; finish() may report before it runs.
  let unlistedZones: readonly string[] | undefined = undefined;
  // Set when the token was read back after its last use here.
  let lastUsedOn: string | null | undefined = undefined;

  const finish = (): VerifyReport => {
    const scrubbed = checks.map((c) => ({
      id: c.id,
      status: c.status,
      detail: redact(c.detail, secrets),
      ...(c.remedy !== undefined ? { remedy: redact(c.remedy, secrets) } : {}),
    }));
    return {
      ok: scrubbed.every((c) => c.status !== "fail"),
      platform: input.platform.key,
      ...(input.plan ? { tokenKey: plan.key } : {}),
      ...(tokenId ? { tokenId } : {}),
      apiCalls: counter.total,
      checks: scrubbed,
      ...(unlistedZones ? { unlistedZones } : {}),
      ...(lastUsedOn !== undefined ? { lastUsedOn } : {}),
    };
  };
  const skipRest = (reason: string, from: "liveness" | "after-liveness") => {
    if (from === "liveness") checks.push({ id: "liveness", status: "skip", detail: `not checked: ${reason}` });
    checks.push(
      { id: "exactness", status: "skip", detail: `not checked: ${reason}` },
      { id: "probes", status: "skip", detail: `not checked: ${reason}` },
      { id: "coverage", status: "skip", detail: `not checked: ${reason}` },
    );
  };

  // 1. Endpoint, without any credential: the token goes nowhere that does not answer like the API.
  const anonymous = createCloudflareClient({ ...clientOptions, apiToken: null, maxRetries: 1 });
  const endpoint = await checkEndpoint(input.apiBase ?? CLOUDFLARE_API_BASE, anonymous, plan.scope.accounts, input.memo);
  checks.push(endpoint.check);
  if (!endpoint.usable) {
    skipRest("the endpoint check failed, so the token was not sent", "liveness");
    return finish();
  }

  // User-owned tokens spend their user's budget, the provisioner's; an account-owned token has its own.
  const budgets = input.budgets ?? new RateBudgets();
  const userBudget = budgets.for(PROVISIONER_USER);
  const tokenBudget =
    owner.kind === "user"
      ? userBudget
      : input.tokenId
        ? budgets.for(accountTokenPrincipal(input.tokenId))
        : new RateBudget("the account token under verify", budgets.clock, budgets.budget);
  // The 401/403s each credential gets: after one, no check's verdict stands until that credential's liveness is re-checked.
  const refused = { token: 0, provisioner: 0 };
  const send = input.client?.fetch ?? fetch;
  const observing =
    (whose: keyof typeof refused): typeof fetch =>
    async (request, init) => {
      const response = await send(request, init);
      if (response.status === 401 || response.status === 403) refused[whose] += 1;
      return response;
    };
  const client = createCloudflareClient({ ...clientOptions, apiToken: input.token, budget: tokenBudget, fetch: observing("token") });
  const provisioner =
    input.provisionerToken && input.provisionerToken !== input.token
      ? createCloudflareClient({
          ...clientOptions,
          apiToken: input.provisionerToken,
          budget: userBudget,
          fetch: observing("provisioner"),
        })
      : undefined;
  const platformName = input.platform.displayName;

  /** Check 3 through the provisioner: the token's policies against the plan, zone names resolved first. */
  const exactness = async (reader: CloudflareClient, id: string) => {
    const resolved = await resolveZones(plan, reader);
    const found = await checkExactness({
      provisioner: reader,
      owner,
      tokenId: id,
      plan,
      zoneIdsByName: resolved.byName,
      zoneNamesById: resolved.byId,
      zonesUnspecified: zoneMode.kind === "unspecified",
      plannedExpiryKnown,
      extraRead: input.extraReadGroups ?? "warn",
      ...(input.stack ? { stack: input.stack } : {}),
      ...(input.deployedGroups ? { deployedGroups: input.deployedGroups } : {}),
      ...(input.memo ? { memo: input.memo } : {}),
    });
    return { resolved, ...found };
  };
  /** When the token must not (or cannot) be used from here, its policies are all that can be proven. */
  const policiesOnly = async (reason: string): Promise<VerifyReport> => {
    if (provisioner && tokenId) {
      const found = await exactness(provisioner, tokenId);
      checks.push(...found.checks);
      lastUsedOn = lastUseIn(found.readBack);
    } else {
      checks.push({
        id: "exactness",
        status: "skip",
        detail: `not checked: ${reason}, and ${provisioner ? "its ID is unknown" : "no provisioner credential was given"}`,
      });
    }
    checks.push(
      { id: "probes", status: "skip", detail: `not checked: ${reason}` },
      { id: "coverage", status: "skip", detail: `not checked: ${reason}` },
    );
    return finish();
  };

  if (input.withoutUse) {
    tokenId = input.tokenId;
    checks.push({ id: "liveness", status: "skip", detail: `the token was not sent: ${input.withoutUse}` });
    return policiesOnly("the token was not sent");
  }

  // 2. Liveness.
  const live = await checkLiveness({
    client,
    ...(provisioner ? { provisioner } : {}),
    owner,
    accounts: plan.scope.accounts,
    token: input.token,
    platformName,
    ...(planFromStack ? { tokenName: plan.name } : {}),
    ...(input.stack ? { stack: input.stack } : {}),
    expiryWarnDays: input.expiryWarnDays ?? DEFAULT_EXPIRY_WARN_DAYS,
    now,
    allowedIps: plan.allowedIps,
    deniedIps: plan.deniedIps,
  });
  checks.push(live.check);
  tokenId = live.verified?.id ?? input.tokenId;
  if (live.keptOutByPlannedFilter) return policiesOnly("the token's planned client-IP filter keeps this machine out");
  if (!live.usable) {
    skipRest("the token is not live", "after-liveness");
    return finish();
  }

  // 3. Exactness. A token whose profile reads zones is read back before coverage: a token scoped to
  // specific zones cannot list them, so its coverage is proven from the policies read back. One that
  // reads no zones is read back last, after every use: the same read then tells coverage that it holds
  // no zone, and gives Cloudflare's last_used_on after cfct's own use (rotation's baseline).
  let resolved: ResolvedZones | undefined;
  let readBack: ReadBack | undefined;
  const readBackFirst = zoneMode.kind !== "none";
  const exactnessStep = async () => {
    if (!provisioner) {
      checks.push({
        id: "exactness",
        status: "skip",
        detail: "not checked: no provisioner credential to read the token's policies",
        remedy:
          "Pass --provisioner-token-env <VAR> naming a credential with API Tokens Read (user tokens) or Account API Tokens Read (account tokens).",
      });
    } else if (!tokenId) {
      checks.push({ id: "exactness", status: "skip", detail: "not checked: the verify route returned no token id" });
    } else {
      const found = await exactness(provisioner, tokenId);
      resolved = found.resolved;
      readBack = found.readBack;
      checks.push(...found.checks);
    }
  };
  if (readBackFirst) await exactnessStep();

  // 5 (before the probes, which run on the zones it samples). Coverage.
  const coverageStep = () =>
    checkCoverage({
      client,
      ...(provisioner ? { provisioner } : {}),
      accounts: plan.scope.accounts,
      mode: zoneMode,
      profileText: `${plan.platform}/${plan.profile}`,
      ...(input.stack ? { stack: input.stack } : {}),
      ...(readBack ? { readBack } : {}),
      ...(resolved ? { resolved } : {}),
      ...(input.probeAllZones ? { probeAllZones: true } : {}),
    });
  const sampled = readBackFirst ? await coverageStep() : undefined;

  // 4. Probes (reported after exactness, whichever ran first).
  const groups: PermissionGroupRef[] = plan.policies.filter((p) => p.effect === "allow").flatMap((p) => p.permissionGroups);
  const probes = await runProbes({
    client,
    groups,
    accounts: plan.scope.accounts,
    zones: sampled?.sample ?? [],
    zoneSkipReason: "no chosen zone is visible to the token, and none is known by ID (see coverage)",
    ...(input.stack ? { stack: input.stack } : {}),
  });

  if (!readBackFirst) {
    await exactnessStep();
    lastUsedOn = lastUseIn(readBack);
  }
  checks.push(...probes);
  const coverage = sampled ?? (await coverageStep());
  unlistedZones = coverage.unlistedZones;
  checks.push(coverage.check);
  if (coverage.listing) checks.push(coverage.listing);
  if (refused.token + refused.provisioner > 0)
    await recheckAfterRefusals(checks, {
      ...(refused.token > 0 ? { client } : {}),
      ...(provisioner && refused.provisioner > 0 ? { provisioner } : {}),
      owner,
      stack: input.stack,
      platformName,
    });
  return finish();
}

/** Cloudflare's last_used_on of a token read back (null: never used), when it was read. */
function lastUseIn(readBack: ReadBack | undefined): string | null | undefined {
  return readBack ? (readBack.token.last_used_on ?? null) : undefined;
}

/**
 * No check blames a missing group for a refusal before liveness is re-checked: when Cloudflare
 * refused a request (401/403) and a check after liveness failed (or exactness could not read the
 * token), the token and the provisioner are asked once more at their verify routes (one call each, only then). A credential that stopped working
 * mid-run turns those checks into "not judged", and says it was revoked.
 */
async function recheckAfterRefusals(
  checks: Check[],
  ctx: { client?: CloudflareClient; provisioner?: CloudflareClient; owner: TokenOwner; stack: string | undefined; platformName: string },
): Promise<void> {
  const start = checks.findIndex((c) => c.id === "liveness") + 1;
  const judged = (c: Check) => c.status === "fail" || (c.id === "exactness" && c.status === "warn");
  if (!checks.slice(start).some(judged)) return;
  const notJudged = (why: string) => {
    for (let i = start; i < checks.length; i += 1)
      if (judged(checks[i]!)) checks[i] = { id: checks[i]!.id, status: "skip", detail: `not judged: ${why}` };
  };
  const token = ctx.client ? await stoppedWorking(ctx.client, ctx.owner) : undefined;
  if (token !== undefined) {
    const route = ctx.owner.kind === "account" ? `/accounts/${ctx.owner.accountId}/tokens/verify` : "/user/tokens/verify";
    notJudged("the token stopped working during verification, so its refusals say nothing about its groups");
    checks.splice(start, 0, {
      id: "liveness:recheck",
      status: "fail",
      detail: `the token stopped working during verification (GET ${route} now answers ${token}): it was revoked, deleted or disabled mid-run`,
      remedy: `Issue a new token with ${rotateCommand(ctx.stack)} and register the new value with ${ctx.platformName}.`,
    });
    return;
  }
  // A provisioner may be account-owned (it reads an account's tokens): it stopped only if neither route accepts it.
  const provisioner = ctx.provisioner
    ? await stoppedWorking(ctx.provisioner, { kind: "user" }).then(async (atUser) =>
        atUser !== undefined && ctx.owner.kind === "account" && (await stoppedWorking(ctx.provisioner!, ctx.owner)) === undefined
          ? undefined
          : atUser,
      )
    : undefined;
  if (provisioner !== undefined) {
    notJudged("the provisioner credential stopped working during verification, so what it could not read says nothing");
    checks.splice(start, 0, {
      id: "provisioner:recheck",
      status: "fail",
      detail: `the provisioner credential stopped working during verification (GET /user/tokens/verify now answers ${provisioner}): it was revoked, deleted or disabled mid-run`,
      remedy: "Use a live provisioner credential (cfct doctor checks it) and run cfct verify again.",
    });
  }
}

interface Expected {
  readonly plan: TokenPlan;
  readonly owner: TokenOwner;
  readonly planFromStack: boolean;
  readonly zoneMode: ZoneMode;
  readonly plannedExpiryKnown: boolean;
}

/** The plan to compare with: the given one, or one planned from platform + flags. */
function expectedToken(input: VerifyInput, now: Date): Expected {
  if (input.plan) {
    const plan = input.plan;
    const readsZones = plan.policies.some((p) => p.permissionGroups.some((g) => g.scope === SCOPES.zone));
    const zones = plan.scope.zones;
    const zoneMode: ZoneMode = !readsZones ? { kind: "none" } : zones === "all" ? { kind: "all" } : { kind: "explicit", zones };
    return { plan, owner: plan.owner, planFromStack: true, zoneMode, plannedExpiryKnown: input.plannedExpiryKnown ?? false };
  }
  const { platform } = input;
  const profile = input.profile ?? platform.defaultProfile;
  const profileDef = platform.profiles[profile];
  if (!profileDef) {
    throw new VerifyInputError(`${platform.key} has no profile "${profile}". Fix: use one of ${Object.keys(platform.profiles).join(", ")}`);
  }
  const readsZones = profileDef.groups.some((g) => g.scope === SCOPES.zone);
  let owner: TokenOwner;
  if (input.owner) owner = input.owner;
  else if (platform.owner === "user") owner = { kind: "user" };
  else if (input.accounts.length === 1) owner = { kind: "account", accountId: input.accounts[0]! };
  else {
    throw new VerifyInputError(
      `${platform.displayName} tokens are account-owned, one per account: name exactly one account (got ${input.accounts.length}). Fix: --accounts <id>`,
    );
  }
  const zonesUnspecified = readsZones && input.zones === undefined;
  const raw = {
    connections: [
      {
        platform: platform.key,
        accounts: [...input.accounts],
        profile,
        // Zones given for a profile that reads none are passed on, so the config check refuses them by name.
        ...(input.zones !== undefined ? { zones: input.zones === "all" ? "all" : [...input.zones] } : readsZones ? { zones: "all" } : {}),
        token: { allowedIps: [...(input.allowedIps ?? [])], deniedIps: [...(input.deniedIps ?? [])] },
      },
    ],
  };
  let plans: TokenPlan[];
  try {
    plans = planTokens(parseSettings(raw, { stack: "verify", source: "verify flags" }), undefined, now);
  } catch (error) {
    if (error instanceof ConfigError) throw new VerifyInputError(flagProblems(error));
    throw error;
  }
  const plan = plans.find((p) =>
    owner.kind === "user" ? p.owner.kind === "user" : p.owner.kind === "account" && p.owner.accountId === owner.accountId,
  );
  if (!plan)
    throw new VerifyInputError(
      `no planned ${platform.key} token is owned by ${owner.kind === "account" ? `account ${owner.accountId}` : "the user"}`,
    );
  const zoneMode: ZoneMode = !readsZones
    ? { kind: "none" }
    : zonesUnspecified
      ? { kind: "unspecified" }
      : plan.scope.zones === "all"
        ? { kind: "all" }
        : { kind: "explicit", zones: plan.scope.zones };
  return { plan, owner, planFromStack: false, zoneMode, plannedExpiryKnown: false };
}

const FLAG_FOR: readonly [RegExp, string][] = [
  [/connections\[0\]\.accounts/, "--accounts"],
  [/connections\[0\]\.zones/, "--zones"],
  [/connections\[0\]\.profile/, "--profile"],
  [/connections\[0\]\.platform/, "--platform"],
  [/connections\[0\]\.token/, "IP filter"],
];

function flagProblems(error: ConfigError): string {
  return error.problems
    .map((p) => {
      const flag = FLAG_FOR.find(([re]) => re.test(p.path))?.[1] ?? p.path;
      return `${flag} ${p.value === undefined ? "" : `${formatValue(p.value)} `}${p.message
        .replace(/Fix: remove zones/, "Fix: drop --zones")
        .replace(/set profile: read-all/, "pass --profile read-all")
        .replace(/write zones: all/, "pass --zones all")}`;
    })
    .join("\n");
}

/**
 * The plan keeps zone names symbolic; they resolve through the provisioner, never through the token
 * (a token scoped to specific zones cannot list zones, and an IP-filtered one lists nothing from
 * here). Zones chosen by ID are named the same way, for messages and the hand-off sheet. A zone or
 * two (no more than there are chosen accounts) cost one call each (`GET /zones?name=…`,
 * `GET /zones/{id}`). More list the chosen accounts' zones instead, 50 a page, and match them here:
 * page 1 of each account says how many pages are left, and the rest is read only when that is
 * cheaper than asking one by one. So the cost is at most the accounts' pages, however many zones
 * were chosen; a provisioner that holds only the chosen zones (it cannot list them) costs one call
 * per chosen zone instead.
 */
async function resolveZones(
  plan: TokenPlan,
  provisioner: CloudflareClient,
): Promise<ResolvedZones & { byName: Map<string, string>; byId: Map<string, string> }> {
  const byName = new Map<string, string>();
  const byId = new Map<string, string>();
  const accountById = new Map<string, string>();
  const nameById = (zone: ZoneSummary) => {
    byId.set(zone.id, zone.name);
    if (zone.accountId) accountById.set(zone.id, zone.accountId);
  };
  const learn = (zone: ZoneSummary) => {
    byName.set(zone.name, zone.id);
    nameById(zone);
  };
  const accounts = plan.scope.accounts;
  let names = [...new Set(plan.policies.flatMap((p) => zoneNamesIn(p.resources)))];
  let ids = Array.isArray(plan.scope.zones) ? [...new Set(plan.scope.zones.filter((ref) => HEX32.test(ref)))] : [];
  if (names.length + ids.length > accounts.length) {
    let views = await mapLimit(accounts, CONCURRENCY, (a) => listAccountZones(provisioner, a, { firstPageOnly: true }));
    views.forEach((v) => v.zones.forEach(nameById));
    names = learnListed(views, names, learn);
    ids = ids.filter((id) => !byId.has(id));
    const pagesLeft = views.reduce((sum, v) => sum + (v.complete || v.error ? 0 : Math.ceil(zoneCount(v) / ZONES_PER_PAGE) - 1), 0);
    // A provisioner that holds only the chosen zones cannot list them either: it is asked one by one below.
    const listable = views.every((v) => !v.error);
    if (listable && names.length + ids.length > pagesLeft) {
      views = await mapLimit(views, CONCURRENCY, (v) => completeView(provisioner, v));
      views.forEach((v) => v.zones.forEach(nameById));
      learnListed(views, names, learn);
      // Every page was read: a zone not found does not exist in the chosen accounts (exactness and coverage say so).
      names = [];
      ids = [];
    }
  }
  // Unresolved names are reported by exactness and coverage as zones that do not exist in the chosen accounts; an unnamed ID keeps its ID.
  await mapLimit(names, CONCURRENCY, async (name) => {
    const page = await provisioner.zonesPage({ name, perPage: 5 }).catch(() => undefined);
    const match = page?.zones.filter((z) => z.name === name && accounts.includes(z.accountId)) ?? [];
    if (match.length === 1) learn(match[0]!);
  });
  await mapLimit(ids, CONCURRENCY, async (id) => {
    const zone = await provisioner.get<{ id?: string; name?: string; account?: { id?: string } }>(`/zones/${id}`).catch(() => undefined);
    if (zone?.result?.name) nameById({ id, name: zone.result.name, accountId: zone.result.account?.id ?? "" });
  });
  return { byName, byId, accountById };
}

/** Learns the wanted names the listed zones hold exactly once; returns the names still unresolved. */
function learnListed(views: readonly ZoneView[], names: readonly string[], learn: (zone: ZoneSummary) => void): string[] {
  const wanted = new Set(names);
  const found = new Map<string, ZoneSummary[]>();
  for (const zone of views.flatMap((v) => v.zones))
    if (wanted.has(zone.name)) found.set(zone.name, [...(found.get(zone.name) ?? []), zone]);
  for (const matches of found.values()) if (matches.length === 1) learn(matches[0]!);
  return names.filter((n) => !found.has(n));
}
