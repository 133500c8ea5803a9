import type { Command } from "commander";
import { platformSpec } from "../../config/platforms";
import { parseSettings, platformCatalog, type Settings } from "../../config/schema";
import { plan } from "../../plan/plan";
import { PLATFORMS, type PlatformCatalog, type PlatformDefinition } from "../../platforms";
import { documentedPermissions, type MappedPermission } from "../../platforms/documented";
import { HEX32 } from "../../domain/ids";
import { SCOPES, compareGroups, groupKey, scopeWord, type PermissionGroupRef } from "../../domain/permission-group";
import type { TokenPlan } from "../../domain/plan";
import { UsageError } from "../errors";
import { addStackOptions, loadSelectedSettings, selectionFrom } from "../settings-options";
import { renderPlan } from "./plan";

interface ListOptions {
  json?: boolean;
  stack?: string;
  config?: string;
  projectDir?: string;
}

interface ShowOptions extends ListOptions {
  profile?: string;
  account: string;
}

/** Stands in for "one account" when none is given: obviously not a real one. */
const EXAMPLE_ACCOUNT = "0123456789abcdef0123456789abcdef";

export function registerPlatforms(program: Command): void {
  const platforms = addStackOptions(
    program
      .command("platforms")
      .description("List the platforms a stack can connect: built in, and defined in the stack file (--stack). Offline.")
      .option("--json", "print exactly one JSON object {platforms:[...]}"),
  ).action((options: ListOptions) => {
    const { catalog, defined } = catalogFor(options);
    const rows = Object.values(catalog)
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((p) => summary(p, defined));
    process.stdout.write(options.json ? `${JSON.stringify({ platforms: rows })}\n` : renderList(rows));
  });
  // --stack, --config, --project-dir and --json belong to `platforms`: commander gives a parent's
  // options to the parent wherever they stand, so `show` reads them from there.
  platforms
    .command("show <key>")
    .description(
      "One platform: each group with its scope and source, the page's guidance, the hand-off, and the token the plan makes for one account " +
        "(--stack, --json as for cfct platforms)",
    )
    .option("--profile <name>", "the profile to show (default: the platform's default)")
    .option("--account <id>", "the account of the example token", EXAMPLE_ACCOUNT)
    .action((key: string, own: Pick<ShowOptions, "profile" | "account">, command: Command) => {
      const options: ShowOptions = { ...(command.parent!.opts() as ListOptions), ...own };
      const { catalog, defined, settings } = catalogFor(options);
      const platform = catalog[key];
      if (!platform) {
        throw new UsageError({
          summary: `cfct platforms show ${key}: no such platform`,
          fix:
            `use one of ${Object.keys(catalog).sort().join(", ")}` +
            (options.stack || options.config ? "" : " (a platform defined in a stack file needs --stack <env>)"),
        });
      }
      const profile = options.profile ?? platform.defaultProfile;
      if (!platform.profiles[profile]) {
        throw new UsageError({
          summary: `--profile ${profile} is not a profile of ${key}`,
          fix: `use one of ${Object.keys(platform.profiles).join(", ")}`,
        });
      }
      if (!HEX32.test(options.account)) {
        throw new UsageError({
          summary: `--account ${options.account} is not a Cloudflare account ID`,
          fix: "use the 32 lowercase hex characters of one",
        });
      }
      const token = exampleToken(platform, profile, options.account, defined.has(key), settings);
      const groups = groupSources(platform, profile, defined.has(key));
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ platform: summary(platform, defined), profile, groups, handoff: platform.handoff, token })}\n`,
        );
      } else {
        process.stdout.write(renderShow(platform, profile, groups, token, options.account === EXAMPLE_ACCOUNT, defined.has(key)));
      }
    });
}

/** The built-in catalog, plus the stack file's own platforms when a stack is named. */
function catalogFor(options: ListOptions): { catalog: PlatformCatalog; defined: ReadonlySet<string>; settings?: Settings } {
  if (!options.stack && !options.config) return { catalog: PLATFORMS, defined: new Set() };
  const settings = loadSelectedSettings(selectionFrom(options));
  return { catalog: platformCatalog(settings), defined: new Set(Object.keys(settings.platforms)), settings };
}

interface PlatformSummary {
  readonly key: string;
  readonly displayName: string;
  readonly owner: string;
  readonly tokenPerAccount: boolean;
  /** Default first. */
  readonly profiles: string[];
  readonly defaultProfile: string;
  readonly source: PlatformDefinition["source"]["url"];
  readonly read?: string;
  readonly community?: boolean;
  /** `built-in`, or `stack` for a platform the stack file defines. */
  readonly definedIn: "built-in" | "stack";
  readonly allowWrite?: boolean;
  readonly defaultTtlDays?: number;
}

function summary(platform: PlatformDefinition, defined: ReadonlySet<string>): PlatformSummary {
  return {
    key: platform.key,
    displayName: platform.displayName,
    owner: platform.owner,
    tokenPerAccount: platform.tokenPerAccount,
    profiles: [platform.defaultProfile, ...Object.keys(platform.profiles).filter((p) => p !== platform.defaultProfile)],
    defaultProfile: platform.defaultProfile,
    source: platform.source.url,
    ...(platform.source.read ? { read: platform.source.read } : {}),
    ...(platform.source.community ? { community: true } : {}),
    definedIn: defined.has(platform.key) ? "stack" : "built-in",
    ...(platform.allowWrite ? { allowWrite: true } : {}),
    ...(platform.defaultTtlDays !== undefined ? { defaultTtlDays: platform.defaultTtlDays } : {}),
  };
}

function renderList(rows: readonly PlatformSummary[]): string {
  const table = rows.map((r) => [
    `${r.key}${r.definedIn === "stack" ? " (stack)" : ""}${r.community ? " (community)" : ""}`,
    r.displayName,
    r.owner + (r.tokenPerAccount ? " (one per account)" : ""),
    r.profiles.join(", "),
    r.source,
  ]);
  const head = ["key", "name", "owner", "profiles (default first)", "source"];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(head), ...table.map(line)].join("\n")}\n${rows.length} platform(s). Details: cfct platforms show <key>\n`;
}

interface GroupSource {
  readonly name: string;
  readonly scope: string;
  /** Where the group comes from: the page's row as it writes it, the template, or the entry. */
  readonly source: string;
  /** Set where the page's wording differs from the API's name: how it was mapped. */
  readonly mapping?: string;
}

const BASIS_TEXT: Record<NonNullable<MappedPermission["basis"]>, string> = {
  "api-name": "",
  "api-spelling": "the API spells it so",
  "documentation-name": "a documentation name; the catalog's table maps it",
  entry: "",
};

/** Each group of the profile with where it comes from, in plan order. */
function groupSources(platform: PlatformDefinition, profile: string, defined: boolean): GroupSource[] {
  const def = platform.profiles[profile]!;
  const rows = documentedPermissions(platform, profile);
  const rowOf = new Map(rows.filter((m) => m.group).map((m) => [groupKey(m.group!), m]));
  return [...def.groups].sort(compareGroups).map((group: PermissionGroupRef): GroupSource => {
    const row = rowOf.get(groupKey(group));
    const base = { name: group.name, scope: scopeWord(group.scope) };
    if (row) {
      const mapping = row.basis === "entry" ? `the page's wording; ${row.row.why ?? ""}` : BASIS_TEXT[row.basis!];
      return { ...base, source: `"${row.row.quoted}"`, ...(mapping ? { mapping } : {}) };
    }
    if (def.template) return { ...base, source: `Cloudflare's "${def.template}" template` };
    // Neither a row of the page nor a template: the entry's own reasoning (ASCERA's least-privilege, from Cloudflare's OpenAPI).
    return {
      ...base,
      source: defined
        ? `the stack file's definition (source ${platform.source.url})`
        : `the entry's reasoning (src/platforms/${platform.key}.ts)`,
    };
  });
}

/** The token `cfct plan` would make for a connection of this platform and profile over one account. */
function exampleToken(platform: PlatformDefinition, profile: string, account: string, defined: boolean, settings?: Settings): TokenPlan {
  const readsZones = platform.profiles[profile]!.groups.some((g) => g.scope === SCOPES.zone);
  const { key: _key, ...spec } = platformSpec(platform);
  const raw = {
    ...(defined ? { platforms: { [platform.key]: spec } } : {}),
    ...(settings ? { tokenNamePrefix: settings.tokenNamePrefix } : {}),
    connections: [{ platform: platform.key, accounts: [account], profile, ...(readsZones ? { zones: "all" } : {}) }],
  };
  const [token] = plan(parseSettings(raw, { stack: settings?.stack ?? "example", source: "cfct platforms show" }));
  return token!;
}

function renderShow(
  platform: PlatformDefinition,
  profile: string,
  groups: readonly GroupSource[],
  token: TokenPlan,
  exampleAccount: boolean,
  defined: boolean,
): string {
  const { source } = platform;
  const nameWidth = Math.max(...groups.map((g) => g.name.length));
  const lines = [
    `${platform.displayName} (${platform.key})${defined ? ", defined in the stack file" : ", built in"}${source.community ? ", a community integration" : ""}`,
    `  owner    ${platform.owner === "account" ? "account (Manage Account > Account API Tokens): one token per account" : "user (My Profile > API Tokens): one token per connection"}`,
    `  source   ${source.url}${source.read ? ` (read ${source.read})` : ""}${source.seed ? ` (seed ${source.seed})` : ""}`,
    `  profiles ${Object.keys(platform.profiles)
      .map((p) => (p === platform.defaultProfile ? `${p} (default)` : p))
      .join(", ")}`,
    ...(platform.defaultTtlDays !== undefined
      ? [`  TTL      ${platform.defaultTtlDays} days unless the stack file sets token.ttlDays (the platform's advice)`]
      : []),
    ...(platform.allowWrite
      ? ["  allowWrite: a group that is not read-only passed validation; the policy pack still fails it unless its config allows it"]
      : []),
    "",
    `Profile ${profile}: ${platform.profiles[profile]!.description}`,
    ...groups.map((g) => `  ${g.scope.padEnd(7)} ${g.name.padEnd(nameWidth)}  <- ${g.source}${g.mapping ? ` (${g.mapping})` : ""}`),
  ];
  if (source.guidance?.length) lines.push("", "The page says:", ...source.guidance.map((g) => `  - ${g}`));
  lines.push(
    "",
    "Hand-off (the default registrar writes these steps and values to a 0600 sheet):",
    ...platform.handoff.steps.map((step, i) => `  ${i + 1}. ${step}`),
    `  fields: ${platform.handoff.fields.map((f) => `${f.label} (${f.source})`).join(", ")}`,
    "",
    `The token the plan makes for one account${exampleAccount ? ` (an example ID; --account <id> for yours)` : ""}, with the default token settings:`,
    "",
  );
  return `${lines.join("\n")}\n${renderPlan([token])}`;
}
