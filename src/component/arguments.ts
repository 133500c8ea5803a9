import { ConfigError, parseSettings } from "../config/schema";
import { definedPlatforms, type PlatformSpec } from "../config/platforms";
import { plan } from "../plan/plan";
import { PLATFORMS, type PlatformDefinition, type PlatformKey } from "../platforms";
import { type TokenPlan } from "../domain/plan";
import { NothingChangedError } from "../domain/run-errors";

/**
 * A platform the catalog does not have, defined as a stack file's `cf-compliance-tokens:platforms`
 * entry is (displayName, owner, source, groups, …), plus its key. Validated exactly as one.
 */
export type ComplianceTokenPlatform = PlatformSpec & { readonly key: string };

/** A ComplianceToken's arguments once every Input has resolved. */
export interface PlainArgs {
  readonly accounts: readonly string[];
  readonly zones?: "all" | readonly string[];
  readonly profile?: string;
  readonly ttlDays?: number;
  readonly allowedIps?: readonly string[];
  readonly deniedIps?: readonly string[];
  readonly tokenName?: string;
  readonly issuedAt?: string;
}

/**
 * The arguments are checked as the one-connection stack config they stand for; each problem is named
 * by the argument it came from: `connections[0].token.ttlDays` → `args.ttlDays`,
 * `connections[0].zones[1]` → `args.zones[1]`, `platforms.<key>.groups[0]` → `args.platform.groups[0]`.
 */
function argumentPath(path: readonly PropertyKey[]): string {
  const [section, , ...inSection] = path;
  let field = path;
  if (section === "platforms") field = ["platform", ...inSection];
  else if (section === "connections") field = inSection[0] === "token" ? inSection.slice(1) : inSection;
  return field.reduce<string>((named, part) => (typeof part === "number" ? `${named}[${part}]` : `${named}.${String(part)}`), "args");
}

const sourceOf = (resourceName: string) => `ComplianceToken "${resourceName}"`;

function keyOf(platform: PlatformKey | ComplianceTokenPlatform): string {
  return typeof platform === "string" ? platform : platform.key;
}

/** The stack-config keys that describe this platform: none for a catalog key, its definition otherwise. */
function platformsConfig(platform: PlatformKey | ComplianceTokenPlatform): { platforms?: Record<string, PlatformSpec> } {
  if (typeof platform === "string") return {};
  const { key, ...spec } = platform;
  return { platforms: { [key]: spec } };
}

/** The platform the argument names or defines, validated as the stack file's would be; refused before anything is registered. */
export function resolvePlatform(resourceName: string, platform: PlatformKey | ComplianceTokenPlatform): PlatformDefinition {
  if (typeof platform === "string") {
    const known = PLATFORMS[platform];
    if (!known)
      throw new NothingChangedError({
        summary: `${sourceOf(resourceName)}: args.platform = ${JSON.stringify(platform)} is not a known platform`,
        fix: `use one of ${Object.keys(PLATFORMS).join(", ")}, or pass a definition {key, displayName, owner, source, groups}`,
      });
    return known;
  }
  const config = platformsConfig(platform);
  const valid = definedPlatforms(config.platforms).platforms[platform.key];
  if (valid) return valid;
  // Invalid: the stack file's own messages (shape and rules) say why. The config has no connection,
  // which parseSettings reports at the list itself: that problem is not the argument's.
  const connectionsList = argumentPath(["connections"]);
  try {
    parseSettings({ ...config, connections: [] }, { stack: "component", source: sourceOf(resourceName), pathOf: argumentPath });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.source,
      error.problems.filter((p) => p.path !== connectionsList),
    );
  }
  throw new Error(`${sourceOf(resourceName)}: args.platform is not a valid platform definition`);
}

/** An account-owned platform's token belongs to one account: more is refused, naming the argument. */
export function accountCountError(resourceName: string, platform: string, accounts: readonly unknown[]): ConfigError {
  return new ConfigError(sourceOf(resourceName), [
    {
      path: "args.accounts",
      value: [...accounts],
      message: `${platform} tokens are account-owned and belong to exactly one account. Fix: one ComplianceToken per account (complianceTokensPerAccount does that)`,
    },
  ]);
}

/** The one token these arguments describe, planned by the same pure planner as the stack program. */
export function planComponentToken(
  resourceName: string,
  platform: PlatformKey | ComplianceTokenPlatform,
  args: PlainArgs,
  stack: string,
  now: Date,
): TokenPlan {
  const key = keyOf(platform);
  if (resolvePlatform(resourceName, platform).tokenPerAccount && args.accounts.length !== 1)
    throw accountCountError(resourceName, key, args.accounts);
  const token = {
    ...(args.ttlDays !== undefined ? { ttlDays: args.ttlDays } : {}),
    ...(args.allowedIps ? { allowedIps: [...args.allowedIps] } : {}),
    ...(args.deniedIps ? { deniedIps: [...args.deniedIps] } : {}),
  };
  const connection = {
    platform: key,
    accounts: [...args.accounts],
    ...(args.zones !== undefined ? { zones: args.zones === "all" ? "all" : [...args.zones] } : {}),
    ...(args.profile !== undefined ? { profile: args.profile } : {}),
    token,
  };
  const settings = parseSettings(
    { ...platformsConfig(platform), connections: [connection] },
    { stack, source: sourceOf(resourceName), pathOf: argumentPath },
  );
  const [planned] = plan(settings, PLATFORMS, args.issuedAt ? new Date(args.issuedAt) : now);
  if (!planned) throw new Error(`${sourceOf(resourceName)}: the planner returned no token`);
  return { ...planned, name: args.tokenName ?? `cfct ${stack} ${resourceName}` };
}
