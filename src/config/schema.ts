import ipaddr from "ipaddr.js";
import { z } from "zod";
import { HEX32 } from "../domain/ids";
import { issueMessage } from "./issue-message";
import { ipFilterOverlap } from "./ip-filter";
import { PLATFORMS, platformKeys, type PlatformCatalog, type PlatformDefinition } from "../platforms";
import { PLATFORM_KEY, definedPlatforms, platformsSchema, unknownPlatformMessage } from "./platforms";
import {
  DEFAULT_REGISTRATION,
  redactConfigValue,
  registrationProblems,
  registrationSchema,
  type RegistrationSettings,
} from "./registration";
import { SCOPES } from "../domain/permission-group";
import type { Generation, TokenGenerations } from "../domain/generation";
import { parseRequestBudget, requestBudgetProblem, type RequestBudget } from "../cloudflare/pacing";
import { CfctError, splitAtFix } from "../domain/cfct-error";

/** Every stack-config key of this project lives under this namespace (`cf-compliance-tokens:connections`). */
export const CONFIG_NAMESPACE = "cf-compliance-tokens";

export const TTL_DAYS = { min: 1, max: 365, default: 90 } as const;

// RFC 1123 hostname with at least one dot and an alphabetic TLD: what a Cloudflare zone name looks like.
const HOSTNAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CONNECTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const accountId = z.string().regex(HEX32, {
  error: "is not a Cloudflare account ID. Fix: use the 32 lowercase hex characters from the dashboard's 'Copy account ID'",
});

const zoneRef = z.string().refine((v) => HEX32.test(v) || HOSTNAME.test(v), {
  error:
    "is neither a zone ID (32 lowercase hex) nor a zone name (a hostname such as example.com). Fix: use the zone's ID or its exact domain name, lower case",
});

const cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
});

/**
 * Why a client-IP filter entry would not filter what its author meant, or undefined when it is
 * fine. Cloudflare accepts each of these, so they would pass silently: a /0 lets every address in
 * (or, denied, none), a host part is dropped, and a zone index means nothing to Cloudflare.
 */
function cidrProblem(value: string): string | undefined {
  const notCidr = "is not a CIDR. Fix: write an address range such as 203.0.113.0/24, or a single address as 203.0.113.7/32";
  if (!value.includes("/")) return notCidr;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(value);
  } catch {
    return notCidr;
  }
  const [address, bits] = parsed;
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).zoneId !== undefined) {
    return "carries an IPv6 zone index (%…), which names an interface of one machine and means nothing to Cloudflare. Fix: remove the %… part";
  }
  if (bits === 0) {
    return "matches every address, so it is no filter. Fix: list the ranges the platform calls from, or remove the entry";
  }
  const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(value) : ipaddr.IPv6.networkAddressFromCIDR(value);
  if (network.toString() !== address.toString()) {
    return `has host bits set past /${bits}. Fix: write the network address ${network.toString()}/${bits}, or /${address.kind() === "ipv4" ? 32 : 128} for the single address`;
  }
  return undefined;
}

export const tokenSettingsSchema = z
  .object({
    ttlDays: z
      .number()
      .int({
        error: `must be a whole number of days. Fix: write a whole number ${TTL_DAYS.min}..${TTL_DAYS.max}, e.g. ${TTL_DAYS.default}`,
      })
      .min(TTL_DAYS.min, { error: `is too short. Fix: use ${TTL_DAYS.min}..${TTL_DAYS.max} days` })
      .max(TTL_DAYS.max, {
        error: `is too long for a compliance credential. Fix: use ${TTL_DAYS.min}..${TTL_DAYS.max} days and let cfct rotate renew it`,
      })
      .describe("Days from when a token generation is issued until it expires."),
    allowedIps: z.array(cidr).describe("Client-IP filter: the token works only from these CIDRs (condition.request_ip.in)."),
    deniedIps: z.array(cidr).describe("Client-IP filter: the token never works from these CIDRs (condition.request_ip.not_in)."),
  })
  .strict();

export type TokenSettings = z.infer<typeof tokenSettingsSchema>;

const DEFAULT_TOKEN_SETTINGS: TokenSettings = { ttlDays: TTL_DAYS.default, allowedIps: [], deniedIps: [] };

// Whether the key names a platform is checked with the stack's own definitions (normalizeConnection).
const platformKey = z
  .string({
    error: `must be a platform key. Fix: write one of ${platformKeys().join(", ")}, or a key defined under cf-compliance-tokens:platforms`,
  })
  .regex(PLATFORM_KEY, { error: (issue) => unknownPlatformMessage(issue.input, platformKeys()) })
  .meta({ examples: platformKeys() });

export const connectionSchema = z
  .object({
    platform: platformKey.describe(
      `Key of the compliance platform: a built-in one (${platformKeys().join(", ")}) or one under cf-compliance-tokens:platforms.`,
    ),
    name: z
      .string()
      .regex(CONNECTION_NAME, {
        error: "is not a valid connection name. Fix: lower-case letters, digits and '-', starting with a letter, at most 63 characters",
      })
      .optional()
      .describe("Connection name; defaults to the platform key. Per-account tokens append the account."),
    accounts: z
      .array(accountId)
      .min(1, { error: "needs at least one account ID. Fix: list the 32-hex account IDs the token reads" })
      .describe("Accounts the token reads."),
    zones: z
      .union([
        z.literal("all"),
        z.array(zoneRef).min(1, { error: "needs at least one zone, or the word all. Fix: list zone IDs or names, or write zones: all" }),
      ])
      .optional()
      .describe("Zone IDs or names, or `all` for every zone of the chosen accounts."),
    profile: z.string().optional().describe("Platform-specific permission profile; see the platform catalog."),
    token: tokenSettingsSchema.partial().optional().describe("Overrides of the token defaults for this connection."),
    registration: registrationSchema
      .default(DEFAULT_REGISTRATION)
      .describe(
        "How this connection's tokens reach the platform: a 0600 hand-off sheet (default) or a signed webhook; optionally a Drata status check.",
      ),
  })
  .strict();

const generationSchema = z
  .object({
    generation: z.number().int().min(1),
    issuedAt: z.iso.datetime({ offset: true, error: "must be an RFC 3339 timestamp" }),
    registeredAt: z.iso.datetime({ offset: true, error: "must be an RFC 3339 timestamp" }).optional(),
    registeredTokenId: z.string().optional(),
    cfctLastUse: z.string().nullable().optional(),
  })
  .strict() satisfies z.ZodType<Generation>;

/**
 * Token generations per token key; written by `cfct up`/`cfct rotate`, not by hand. Anchors expiry so
 * previews do not drift. `pulumi config set` stores it as a JSON string, so both forms are accepted.
 */
const generationsSchema = z.preprocess(
  (value) => (typeof value === "string" ? parseJsonOr(value) : value),
  z.record(z.string(), z.object({ active: generationSchema, successor: generationSchema.optional() }).strict()),
) satisfies z.ZodType<TokenGenerations>;

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const stackConfigSchema = z
  .object({
    connections: z
      .array(connectionSchema)
      .min(1, { error: "needs at least one connection. Fix: add one - platform: … entry (see docs/stack-config.md)" }),
    token: tokenSettingsSchema.partial().optional().describe("Token defaults for every connection."),
    tokenNamePrefix: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,19}$/, {
        error: "is not a token name prefix. Fix: 1..20 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit",
      })
      .optional()
      .describe("Start of every token's name in Cloudflare (default cfct)."),
    generations: generationsSchema.optional(),
    platforms: platformsSchema.optional(),
    rateBudget: z
      .string()
      .superRefine((value, ctx) => {
        const problem = requestBudgetProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
      })
      .optional()
      .describe(
        "Every principal's Cloudflare API budget, <requests>/<seconds>, that cfct paces its requests by (default 1200/300, Cloudflare's documented limit; e.g. 4000/300 for an enterprise limit, 600/300 for each of two jobs sharing one principal); --rate-budget overrides it.",
      ),
  })
  .strict();

export interface ConnectionSettings {
  readonly name: string;
  readonly platform: PlatformDefinition;
  readonly profile: string;
  readonly accounts: readonly string[];
  /** `all` = every zone of the chosen accounts; `[]` = the profile reads no zones. */
  readonly zones: "all" | readonly string[];
  readonly token: TokenSettings;
  readonly registration: RegistrationSettings;
}

/**
 * A stack's configuration as `parseSettings` returns it: validated, defaults applied, each
 * connection's platform resolved to its definition. The planner's only input besides the catalog and the clock.
 */
export interface Settings {
  /** The stack's name (the `<env>` of stacks/Pulumi.<env>.yaml); part of every token's name. */
  readonly stack: string;
  /** `tokenNamePrefix` (default cfct): the start of every token's name in Cloudflare. */
  readonly tokenNamePrefix: string;
  /** `connections`, with the stack's `token` defaults merged into each. */
  readonly connections: readonly ConnectionSettings[];
  /** `generations`: each token key's active generation and successor, as `cfct up`/`cfct rotate` recorded them (empty before the first deploy). */
  readonly generations: TokenGenerations;
  /** The platforms this stack defines (cf-compliance-tokens:platforms), by key; the built-in ones are PLATFORMS. */
  readonly platforms: Readonly<Record<string, PlatformDefinition>>;
  /** `rateBudget`, when the stack sets one. */
  readonly rateBudget?: RequestBudget;
}

/** Every platform a stack's connections may name: the built-in catalog and the stack's own (their keys never clash). */
export function platformCatalog(settings: Pick<Settings, "platforms">, builtIns: PlatformCatalog = PLATFORMS): PlatformCatalog {
  return { ...builtIns, ...settings.platforms };
}

export interface ConfigProblem {
  /** Full key path as written in the stack file, e.g. `cf-compliance-tokens:connections[0].zones[1]`. */
  readonly path: string;
  readonly value: unknown;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A stack file that does not parse or validate: every problem at once, each with its key path, value (secrets not shown) and fix. */
export class ConfigError extends CfctError {
  readonly #composed: string;

  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const message = listed(source, problems, (p) => p.message);
    super(message);
    this.#composed = message;
    this.name = "ConfigError";
  }

  /** The problems without their fixes: `--json` gives the fixes apart, however many problems there are. */
  override get summary(): string {
    if (this.message !== this.#composed) return super.summary;
    return listed(this.source, this.problems, (p) => splitAtFix(p.message).summary);
  }

  /** Each problem's fix on a line of its own, named by its key; undefined when no problem has one. */
  override get fix(): string | undefined {
    if (this.message !== this.#composed) return super.fix;
    const fixes = this.problems.flatMap((p) => {
      const { fix } = splitAtFix(p.message);
      return fix === undefined ? [] : [`${p.path}: ${fix}`];
    });
    return fixes.length === 0 ? undefined : fixes.join("\n");
  }
}

/** "<source>: N problems in stack config", then a line per problem: its key, its value and `text` of it. */
function listed(source: string, problems: readonly ConfigProblem[], text: (problem: ConfigProblem) => string): string {
  return (
    `${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in stack config\n` +
    problems.map((p) => `  - ${p.path} = ${formatValue(p.value)}: ${text(p)}`).join("\n")
  );
}

/** A problem's value that must not be printed at all: an unknown key may hold anything, secrets included. */
export const NOT_SHOWN: unique symbol = Symbol("not shown");

/**
 * How an error message shows a problem's value. Scalars and lists of scalars as JSON; an object
 * only by its key names and an array of objects only by its shape, because either may carry a
 * secret someone pasted into config, and error text ends up in CI logs.
 */
export function formatValue(value: unknown): string {
  if (value === NOT_SHOWN) return "(not shown)";
  if (value === undefined) return "(missing)";
  const text = Array.isArray(value) ? `[${value.map(shapeOf).join(",")}]` : shapeOf(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return "[…]";
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)));
    return keys.length === 0 ? "{}" : `{${keys.map((k) => `${k}: …`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

export function keyPath(path: readonly PropertyKey[]): string {
  // The keys themselves are wrong (not a map of them): the stack file's `config:` holds them.
  if (path.length === 0) return "config";
  const [head, ...rest] = path;
  let out = `${CONFIG_NAMESPACE}:${String(head ?? "")}`;
  for (const part of rest) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return out;
}

/** How a problem names where it is, from its path in the settings (`["connections", 0, "zones"]`). */
type ProblemPathNamer = (path: readonly PropertyKey[]) => string;

/**
 * Validates the `cf-compliance-tokens:*` keys of one stack (namespace already stripped) and
 * returns settings with every default applied. Throws ConfigError listing every problem at once,
 * each named by `pathOf` (default: the stack file's key, `cf-compliance-tokens:connections[0].zones`).
 */
export function parseSettings(
  raw: unknown,
  options: { stack: string; source: string; also?: readonly ConfigProblem[]; pathOf?: ProblemPathNamer },
): Settings {
  const pathOf = options.pathOf ?? keyPath;
  const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
  // `also`: problems found outside these keys (the stack file's other keys), reported in the same pass.
  const problems: ConfigProblem[] = [
    ...(options.also ?? []),
    ...(parsed.success ? [] : parsed.error.issues.flatMap((issue) => problemsOfIssue(issue, pathOf))),
  ];
  // The cross-field rules run on every connection that is well-formed on its own, even when others
  // are not: a user fixes everything from one run, not structure first and duplicates on the next.
  const top = parsed.success ? parsed.data : undefined;
  const tokenDefaults = tokenSettingsSchema.partial().safeParse(fieldOf(raw, "token"));
  const stackToken = tokenDefaults.success ? tokenDefaults.data : {};
  const defined = definedPlatforms(fieldOf(raw, "platforms"));
  problems.push(...defined.problems.map((p) => ({ ...p, path: pathOf(["platforms", ...p.path]) })));
  const catalog = platformCatalog(defined);
  const rawConnections = fieldOf(raw, "connections");
  const known = [...new Set([...Object.keys(catalog), ...defined.keys])].sort();
  const connections = (Array.isArray(rawConnections) ? rawConnections : []).flatMap((entry, index) => {
    // Checked whatever else is wrong with the connection, as the schema checks its other fields; a
    // platform the file defines with problems of its own is not unknown: its definition says why.
    const key = fieldOf(entry, "platform");
    if (typeof key === "string" && PLATFORM_KEY.test(key) && !catalog[key] && !defined.keys.has(key)) {
      problems.push({ path: pathOf(["connections", index, "platform"]), value: key, message: unknownPlatformMessage(key, known) });
    }
    const connection = connectionSchema.safeParse(entry);
    const platform = connection.success ? catalog[connection.data.platform] : undefined;
    return connection.success && platform ? [normalizeConnection(connection.data, index, platform, stackToken, problems, pathOf)] : [];
  });
  problems.push(...duplicateNames(Array.isArray(rawConnections) ? rawConnections.map(connectionName) : [], pathOf));
  if (problems.length > 0 || !top) throw new ConfigError(options.source, distinctProblems(problems));
  return {
    stack: options.stack,
    tokenNamePrefix: top.tokenNamePrefix ?? "cfct",
    connections,
    generations: top.generations ?? {},
    platforms: defined.platforms,
    ...(top.rateBudget !== undefined ? { rateBudget: parseRequestBudget(top.rateBudget, pathOf(["rateBudget"])) } : {}),
  };
}

function problemsOfIssue(issue: z.core.$ZodIssue, pathOf: ProblemPathNamer): ConfigProblem[] {
  // zod reports unknown keys once, on the parent object: one problem per key, at the key itself,
  // without its value (the parent would print every sibling, and the unknown key may hold a secret).
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), value: NOT_SHOWN, message: unknownKeyMessage(key) }));
  }
  return [{ path: pathOf(issue.path), value: redactConfigValue(issue.path, issue.input), message: issueMessage(issue) }];
}

function fieldOf(raw: unknown, key: string): unknown {
  return raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

/** The name a raw connection will have (its name, else its platform), when that much is readable. */
function connectionName(entry: unknown): string | undefined {
  const name = fieldOf(entry, "name") ?? fieldOf(entry, "platform");
  return typeof name === "string" ? name : undefined;
}

function unknownKeyMessage(key: string): string {
  return `is an unknown key "${key}". Fix: remove it or check the spelling against schema/stack-config.schema.json`;
}

function normalizeConnection(
  connection: z.infer<typeof connectionSchema>,
  index: number,
  platform: PlatformDefinition,
  stackToken: Partial<TokenSettings>,
  problems: ConfigProblem[],
  pathOf: ProblemPathNamer,
): ConnectionSettings {
  const at = (...rest: PropertyKey[]) => pathOf(["connections", index, ...rest]);
  const profile = connection.profile ?? platform.defaultProfile;
  const profileDef = platform.profiles[profile];
  if (!profileDef) {
    problems.push({
      path: at("profile"),
      value: connection.profile,
      message: `is not a profile of ${platform.key}. Fix: use one of ${Object.keys(platform.profiles).join(", ")} (default ${platform.defaultProfile})`,
    });
  }
  const readsZones = profileDef?.groups.some((g) => g.scope === SCOPES.zone) ?? true;
  let zones: ConnectionSettings["zones"] = connection.zones ?? [];
  if (!readsZones && connection.zones !== undefined) {
    problems.push({
      path: at("zones"),
      value: connection.zones,
      message: `${platform.key} profile ${profile} reads no zones, so a zone scope would only widen the token. Fix: remove zones${platform.profiles["read-all"] ? " or set profile: read-all" : ""}`,
    });
    zones = [];
  }
  if (readsZones && profileDef && connection.zones === undefined) {
    problems.push({
      path: at("zones"),
      value: undefined,
      message: `${platform.key} profile ${profile} reads zones. Fix: list zone IDs or names (recommended), or write zones: all`,
    });
  }
  if (platform.tokenPerAccount && Array.isArray(connection.zones) && connection.accounts.length > 1) {
    problems.push({
      path: at("zones"),
      value: connection.zones,
      message: `${platform.key} issues one account-owned token per account, so explicit zones with ${connection.accounts.length} accounts are ambiguous. Fix: use zones: all, or split into one connection per account`,
    });
  }
  problems.push(...duplicatesIn(connection.accounts, at("accounts")), ...duplicatesIn(Array.isArray(zones) ? zones : [], at("zones")));
  problems.push(...registrationProblems(platform.key, connection.registration).map((p) => ({ ...p, path: at(...p.path) })));
  const token = tokenSettingsFor(platform, stackToken, connection.token);
  const filterProblem = cancelledFilterProblem(token, (key) =>
    connection.token?.[key] !== undefined ? at("token", key) : pathOf(["token", key]),
  );
  if (filterProblem) problems.push(filterProblem);
  return {
    name: connection.name ?? platform.key,
    platform,
    profile,
    accounts: connection.accounts,
    zones,
    token,
    registration: connection.registration,
  };
}

/**
 * A connection's token settings: the kit's defaults, then the platform's own rotation advice (its
 * defaultTtlDays), then the stack file's `token:` defaults, then the connection's `token:`. What the
 * stack file says always wins over a platform's advice.
 */
export function tokenSettingsFor(
  platform: Pick<PlatformDefinition, "defaultTtlDays">,
  stackToken: Partial<TokenSettings>,
  connectionToken: Partial<TokenSettings> = {},
): TokenSettings {
  const advice = platform.defaultTtlDays !== undefined ? { ttlDays: platform.defaultTtlDays } : {};
  return { ...DEFAULT_TOKEN_SETTINGS, ...advice, ...stackToken, ...connectionToken };
}

/**
 * An allow list the deny list covers entirely: Cloudflare accepts it, and no address can use the
 * token. `pathOf` names where each list was set (the connection's token: or the stack's defaults).
 */
function cancelledFilterProblem(token: TokenSettings, pathOf: (key: "allowedIps" | "deniedIps") => string): ConfigProblem | undefined {
  const overlap = ipFilterOverlap(token.allowedIps, token.deniedIps);
  if (!overlap.nothingAllowed) return undefined;
  const denying = [...new Set(overlap.cancelled.flatMap((c) => c.deniedBy))];
  return {
    path: pathOf("allowedIps"),
    value: token.allowedIps,
    message:
      `is cancelled by ${pathOf("deniedIps")} = ${formatValue(token.deniedIps)}: every allowed address is also denied (by ${denying.join(", ")}), ` +
      `so no address could use the token. Fix: remove ${denying.join(", ")} from deniedIps, or allow a range outside the denied ones`,
  };
}

/** A stack default that is wrong for every connection is one problem, not one per connection. */
function distinctProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function duplicatesIn(values: readonly string[], path: string): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  values.forEach((value, i) => {
    if (seen.has(value)) problems.push({ path: `${path}[${i}]`, value, message: "is listed twice. Fix: remove the duplicate" });
    seen.add(value);
  });
  return problems;
}

function duplicateNames(names: readonly (string | undefined)[], pathOf: ProblemPathNamer): ConfigProblem[] {
  const first = new Map<string, number>();
  const problems: ConfigProblem[] = [];
  names.forEach((name, i) => {
    if (name === undefined) return;
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, i);
    else
      problems.push({
        path: pathOf(["connections", i, "name"]),
        value: name,
        message: `duplicates the name of connections[${earlier}]. Fix: give each connection a distinct name: (names default to the platform key)`,
      });
  });
  return problems;
}
