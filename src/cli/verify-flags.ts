import { ConfigError, formatValue, parseSettings } from "../config/schema";
import { SCOPES } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";
import { plan as planTokens } from "../plan/plan";
import type { PlatformDefinition } from "../platforms";
import { verifyToken, type VerifyReport } from "../verify";
import type { VerifyPlatformToken } from "../verify/types";
import { UsageError } from "./errors";
import { verifyClients, type VerifyClientOptions } from "./verify-clients";

/** What `cfct verify --platform` names: the token is planned from these as a one-connection stack would plan it. */
export interface FlagSelection {
  readonly platform: PlatformDefinition;
  readonly accounts: readonly string[];
  /** `all`, or zone IDs / names; absent: not named (coverage then reports counts only). */
  readonly zones?: "all" | readonly string[];
  /** Default: the platform's default profile. */
  readonly profile?: string;
}

/** The flag each connection key of the planned stack comes from, for config problems. */
const FLAG_FOR: readonly [key: string, flag: string][] = [
  ["accounts", "--accounts"],
  ["zones", "--zones"],
  ["profile", "--profile"],
  ["platform", "--platform"],
];

/**
 * The expected token of `cfct verify --platform`. Every mistake is a usage error that names the flag
 * to change: the zone rules a stack file states as keys to edit are stated here as flags to pass.
 */
export function planFromFlags(selection: FlagSelection, now: Date): { plan: TokenPlan; zonesUnspecified: boolean } {
  const { platform, accounts, zones } = selection;
  const profile = selection.profile ?? platform.defaultProfile;
  const profileDef = platform.profiles[profile];
  if (!profileDef)
    throw new UsageError({
      summary: `${platform.key} has no profile "${profile}"`,
      fix: `use one of ${Object.keys(platform.profiles).join(", ")}`,
    });
  if (platform.owner !== "user" && accounts.length !== 1) {
    throw new UsageError({
      summary: `${platform.displayName} tokens are account-owned, one per account: name exactly one account (got ${accounts.length})`,
      fix: "--accounts <id>",
    });
  }
  const readsZones = profileDef.groups.some((g) => g.scope === SCOPES.zone);
  const flagProblems: string[] = [];
  if (zones !== undefined && !readsZones) {
    const readAll = platform.profiles["read-all"] ? " or pass --profile read-all" : "";
    flagProblems.push(
      `--zones ${formatValue(zones)} ${platform.key} profile ${profile} reads no zones, so a zone scope would only widen the token. Fix: drop --zones${readAll}`,
    );
  }
  if (Array.isArray(zones) && zones.length === 0) {
    flagProblems.push(`--zones [] needs at least one zone, or the word all. Fix: list zone IDs or names, or pass --zones all`);
  }
  const named = readsZones && zones !== undefined && zones.length > 0 ? zones : "all";
  const raw = {
    connections: [
      { platform: platform.key, accounts: [...accounts], profile, ...(readsZones ? { zones: named === "all" ? "all" : [...named] } : {}) },
    ],
  };
  let plans: TokenPlan[] = [];
  try {
    plans = planTokens(parseSettings(raw, { stack: "verify", source: "verify flags" }), undefined, now);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    flagProblems.unshift(
      ...error.problems.map((p) => {
        const flag = FLAG_FOR.find(([key]) => p.path.includes(`connections[0].${key}`))?.[1] ?? p.path;
        return `${flag} ${p.value === undefined ? "" : `${formatValue(p.value)} `}${p.message}`;
      }),
    );
  }
  if (flagProblems.length > 0) throw new UsageError(flagProblems.join("\n"));
  const owner = platform.owner === "user" ? undefined : accounts[0];
  const plan = plans.find((p) =>
    owner === undefined ? p.owner.kind === "user" : p.owner.kind === "account" && p.owner.accountId === owner,
  );
  if (!plan) throw new UsageError(`no planned ${platform.key} token is owned by ${owner ? `account ${owner}` : "the user"}`);
  return { plan, zonesUnspecified: readsZones && zones === undefined };
}

/** `cfct verify --platform`: the token the flags describe, verified through clients built here. */
export async function verifyByFlags(
  selection: FlagSelection,
  credentials: { readonly token: string; readonly provisionerToken?: string | undefined },
  options: Pick<VerifyPlatformToken, "stack" | "extraReadGroups" | "expiryWarnDays" | "probeAllZones"> & {
    readonly clients?: Omit<VerifyClientOptions, "token" | "owner" | "tokenId" | "provisionerToken">;
  } = {},
): Promise<VerifyReport> {
  const { clients, ...tuning } = options;
  const { plan, zonesUnspecified } = planFromFlags(selection, new Date());
  const { token, provisionerToken } = credentials;
  return verifyToken({
    by: "platform",
    plan,
    ...(zonesUnspecified ? { zonesUnspecified: { nameWith: "--zones" } } : {}),
    platform: selection.platform,
    token,
    clients: verifyClients({ token, owner: plan.owner, ...(provisionerToken ? { provisionerToken } : {}), ...clients }),
    ...tuning,
  });
}
