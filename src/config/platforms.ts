import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import {
  PLATFORMS,
  TOKEN_EXPIRES_FIELD,
  definePlatform,
  platformProblems,
  type PlatformCatalog,
  type PlatformDefinition,
  type PlatformInput,
} from "../platforms";
import { SCOPE_OF_WORD, scopeWord, type ScopeWord } from "../domain/permission-group";

/** Same grammar as connection names: a platform key becomes part of token names. */
export const PLATFORM_KEY = /^[a-z][a-z0-9-]{0,62}$/;
/** The name a stack-defined platform's `groups:` list gets as a profile. */
export const GROUPS_PROFILE = "default";

const groupSpec = z.strictObject({
  name: z.string().min(1, { error: "is empty. Fix: write the API's name of the group, e.g. Zone Read" }),
  scope: z.enum(["account", "zone", "user"], { error: "is not a scope. Fix: write account, zone or user" }),
});

const groupList = z
  .array(groupSpec)
  .min(1, { error: "is empty. Fix: list at least one {name, scope} group" })
  .describe("Permission groups by the API's name and scope (account | zone | user), as in src/cloudflare/permission-group-catalog.json.");

const HANDOFF_SOURCES = ["token", "apiBaseUrl", "accountId", "connectorName", "expiresOn"] as const;

const handoffSpec = z.strictObject({
  steps: z.array(z.string().min(1)).min(1, { error: "is empty. Fix: list the steps of the platform's UI, one per item" }),
  fields: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        source: z.enum(HANDOFF_SOURCES, { error: `is not a value cfct can fill in. Fix: use one of ${HANDOFF_SOURCES.join(", ")}` }),
        hint: z.string().optional(),
      }),
    )
    .min(1, { error: "is empty. Fix: list the fields the platform asks for, with {label: API Token, source: token}" }),
});

export const platformSpecSchema = z.strictObject({
  displayName: z
    .string({ error: "is required. Fix: add displayName: the platform's name as people know it" })
    .min(1, { error: "is empty. Fix: write the platform's name" }),
  owner: z.enum(["user", "account"], {
    error:
      "is not an owner kind. Fix: write user (My Profile > API Tokens) or account (Manage Account > Account API Tokens), as the platform's guide says",
  }),
  source: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? "is required: every platform names the page its permission list comes from. Fix: add source: <URL of the platform's Cloudflare guide>"
          : "must be text. Fix: write the URL of the platform's Cloudflare guide",
    })
    .regex(/^https?:\/\/\S+$/, { error: "is not a URL. Fix: write the http(s) URL of the platform's Cloudflare guide" })
    .describe("URL of the platform's Cloudflare guide: the source of its permission list (required)."),
  groups: groupList.optional().describe("The guide's permission groups: the platform's `default` profile."),
  profiles: z
    .record(
      z.string().regex(PLATFORM_KEY, { error: "is not a profile name. Fix: lower-case letters, digits and '-', starting with a letter" }),
      z.strictObject({ description: z.string().optional(), groups: groupList }),
    )
    .optional()
    .describe("More profiles by name, each {description, groups}."),
  defaultProfile: z
    .string()
    .optional()
    .describe("The profile connections get unless they name one (default: `default`, the `groups:` list)."),
  handoff: handoffSpec
    .optional()
    .describe(
      "What the platform's UI asks for: {steps, fields: [{label, source: token|apiBaseUrl|accountId|connectorName|expiresOn, hint}]}.",
    ),
  allowWrite: z
    .boolean()
    .optional()
    .describe(
      "Lets a group that is not read-only through validation; the policy pack's read-only rule still fails it unless its config allows it.",
    ),
});

export type PlatformSpec = z.input<typeof platformSpecSchema>;

export const platformsSchema = z
  .record(
    z.string().regex(PLATFORM_KEY, {
      error: "is not a platform key. Fix: lower-case letters, digits and '-', starting with a letter, at most 63 characters",
    }),
    platformSpecSchema,
  )
  .describe("Platforms this stack defines, by key: validated like the built-in ones (docs/platforms.md).");

/** A problem relative to `cf-compliance-tokens:platforms`. */
export interface PlatformSpecProblem {
  readonly path: readonly PropertyKey[];
  readonly value: unknown;
  readonly message: string;
}

/** The platforms a stack file defines, and every problem with them. Invalid entries are left out of `platforms`. */
export interface DefinedPlatforms {
  readonly platforms: Readonly<Record<string, PlatformDefinition>>;
  /** Every key the file defines, valid or not: a connection naming an invalid one is not "unknown". */
  readonly keys: ReadonlySet<string>;
  readonly problems: readonly PlatformSpecProblem[];
}

/**
 * Validates `cf-compliance-tokens:platforms` exactly as built-in entries are validated (platformProblems),
 * plus what only a stack file can get wrong: a key of a built-in, a missing profile. Shape errors are
 * the zod schema's (reported with the rest of the stack file); this checks each well-formed entry.
 */
export function definedPlatforms(raw: unknown, builtIns: PlatformCatalog = PLATFORMS): DefinedPlatforms {
  const entries = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? Object.entries(raw as Record<string, unknown>) : [];
  const platforms: Record<string, PlatformDefinition> = {};
  const problems: PlatformSpecProblem[] = [];
  for (const [key, value] of entries) {
    const builtIn = builtIns[key];
    if (builtIn) {
      problems.push({
        path: [key],
        value: key,
        message: `is the key of the built-in platform ${builtIn.displayName}. Fix: use platform: ${key} in connections without defining it, or give this definition another key (e.g. acme-${key})`,
      });
      continue;
    }
    const spec = platformSpecSchema.safeParse(value);
    if (!PLATFORM_KEY.test(key) || !spec.success) continue;
    const input = platformInput(key, spec.data, problems);
    if (!input) continue;
    const found = platformProblems(input, scopeWord).map((p) => ({
      ...p,
      path: [key, ...specPath(spec.data, p.path)],
    }));
    problems.push(...found);
    if (found.length === 0) platforms[key] = definePlatform(input);
  }
  return { platforms, keys: new Set(entries.map(([key]) => key)), problems };
}

function platformInput(key: string, spec: z.output<typeof platformSpecSchema>, problems: PlatformSpecProblem[]): PlatformInput | undefined {
  const toGroups = (groups: readonly { name: string; scope: ScopeWord }[]) =>
    groups.map(({ name, scope }) => ({ name, scope: SCOPE_OF_WORD[scope] }));
  if (spec.groups && spec.profiles?.[GROUPS_PROFILE]) {
    problems.push({
      path: [key, "profiles", GROUPS_PROFILE],
      value: undefined,
      message: `clashes with the \`${GROUPS_PROFILE}\` profile that groups: defines. Fix: rename this profile, or move groups: into it`,
    });
    return undefined;
  }
  const profiles = {
    ...(spec.groups
      ? {
          [GROUPS_PROFILE]: {
            description: `The groups ${spec.displayName}'s guide lists (${spec.source}).`,
            groups: toGroups(spec.groups),
          },
        }
      : {}),
    ...Object.fromEntries(
      Object.entries(spec.profiles ?? {}).map(([name, profile]) => [
        name,
        { description: profile.description ?? `Profile ${name} of ${spec.displayName}.`, groups: toGroups(profile.groups) },
      ]),
    ),
  };
  const names = Object.keys(profiles);
  if (names.length === 0) {
    problems.push({
      path: [key, "groups"],
      value: undefined,
      message:
        "is required: a platform grants at least one permission group. Fix: add groups: [{name: <API name>, scope: account|zone|user}] from its guide",
    });
    return undefined;
  }
  const defaultProfile = spec.defaultProfile ?? (spec.groups ? GROUPS_PROFILE : names.length === 1 ? names[0] : undefined);
  if (defaultProfile === undefined) {
    problems.push({
      path: [key, "defaultProfile"],
      value: undefined,
      message: `is required when there are several profiles and no groups: list. Fix: set defaultProfile to one of ${names.join(", ")}`,
    });
    return undefined;
  }
  return {
    key,
    displayName: spec.displayName,
    owner: spec.owner,
    defaultProfile,
    profiles,
    handoff: spec.handoff ?? {
      steps: [`Enter the API token in ${spec.displayName} where its guide says (${spec.source}).`],
      fields: [{ label: "API Token", source: "token" }, TOKEN_EXPIRES_FIELD],
    },
    source: { url: spec.source },
    ...(spec.allowWrite ? { allowWrite: true } : {}),
  };
}

/** A platformProblems path (`profiles.<p>.groups.<i>`) as the stack file wrote it (`groups[i]` for the groups: list). */
function specPath(spec: z.output<typeof platformSpecSchema>, path: readonly PropertyKey[]): PropertyKey[] {
  if (path[0] === "profiles" && path[1] === GROUPS_PROFILE && spec.groups) return ["groups", ...path.slice(3)];
  return [...path];
}

/** Why a connection's `platform:` names nothing, with the key it was probably meant to be (a typo away) and the ones there are. */
export function unknownPlatformMessage(key: unknown, known: readonly string[]): string {
  const nearest = typeof key === "string" && known.length > 0 ? closest(key, [...known]) : undefined;
  const typo = nearest !== undefined && distance(String(key), nearest) <= Math.max(1, Math.floor(String(key).length / 3));
  return (
    `is not a known platform. Fix: ${typo ? `did you mean ${nearest}? Otherwise ` : ""}use one of ${known.join(", ")}, ` +
    "or define it under cf-compliance-tokens:platforms (see docs/platforms.md, Platforms defined in the stack file)"
  );
}

/** A stack-defined platform in the stack file's own shape, e.g. for the ComplianceToken component's `platform` argument. */
export function platformSpec(platform: PlatformDefinition): PlatformSpec & { readonly key: string } {
  return {
    key: platform.key,
    displayName: platform.displayName,
    owner: platform.owner,
    source: platform.source.url,
    profiles: Object.fromEntries(
      Object.entries(platform.profiles).map(([name, profile]) => [
        name,
        {
          description: profile.description,
          groups: profile.groups.map(({ name: group, scope }) => ({ name: group, scope: scopeWord(scope) })),
        },
      ]),
    ),
    defaultProfile: platform.defaultProfile,
    handoff: { steps: [...platform.handoff.steps], fields: platform.handoff.fields.map((field) => ({ ...field })) },
    ...(platform.allowWrite ? { allowWrite: true } : {}),
  };
}
