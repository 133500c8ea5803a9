import { closest } from "fastest-levenshtein";
import { KNOWN_PERMISSION_GROUPS, findKnownGroup, suggestKnownGroup, unknownGroupMessage } from "../cloudflare/permission-groups";
import { SCOPES, describeGroupIn, scopeWord, type PermissionGroupRef, type Scope, type ScopeName } from "../domain/permission-group";

/** Who owns the token Cloudflare issues: a user (My Profile > API Tokens) or one account (Manage Account > Account API Tokens). */
export type TokenOwnerKind = "user" | "account";

export interface PlatformProfile {
  /** One sentence: what this profile grants and why. */
  readonly description: string;
  /** Permission groups, each identified by (name, scope): names alone are ambiguous. */
  readonly groups: readonly PermissionGroupRef[];
  /** Set when the groups are a Cloudflare token template's, not a list from the platform's page. */
  readonly template?: "Read all resources";
}

/** A field the platform's UI asks for when the token is registered by hand. */
export interface HandoffField {
  readonly label: string;
  /** Where the value comes from; `token` is the secret and only ever goes to a 0600 hand-off sheet or a registrar. */
  readonly source: "token" | "apiBaseUrl" | "accountId" | "connectorName" | "expiresOn";
  readonly hint?: string;
}

/** The field most hand-offs end with: when the token expires, so the platform's admin knows when the next one comes. */
export const TOKEN_EXPIRES_FIELD: HandoffField = {
  label: "Token expires",
  source: "expiresOn",
  hint: "rotate before this date (cfct rotate)",
};

export interface PlatformHandoff {
  /** Where in the platform's UI the values go, step by step (from the platform's own guide). */
  readonly steps: readonly string[];
  readonly fields: readonly HandoffField[];
}

/**
 * One row of the platform's documented permission list, as its page writes it. The row maps to the
 * API's group `<vendorName> Read` at its scope, through the catalog's table of documentation names,
 * or (where the page uses a dashboard wording neither knows) through `apiName` with the reason.
 */
export interface DocumentedPermission {
  /** The row verbatim, e.g. "Zone → DNS Settings → Read". */
  readonly quoted: string;
  readonly scope: Scope;
  /** The permission as the page names it, without its scope and access: "DNS Settings". */
  readonly vendorName: string;
  /** The API's name at that scope, only where neither the name nor the catalog's documentation table gives it. */
  readonly apiName?: string;
  /** Why `apiName` is that group: the API list's own description of it. */
  readonly why?: string;
}

/** One permission list of the page (a page may give several: a minimum and a whole table) and the profile it is. */
export interface DocumentedList {
  readonly profile: string;
  readonly rows: readonly DocumentedPermission[];
}

export interface PlatformSource {
  readonly url: string;
  /** A copy of the page in reference/seeds/, where one exists. */
  readonly seed?: string;
  /** The day the page was read for this entry (YYYY-MM-DD). */
  readonly read?: string;
  /** Published by someone other than the platform's own vendor (a community add-on). */
  readonly community?: boolean;
  /** The page's permission lists, row by row, each with the profile that is exactly that list (a test compares the two). */
  readonly permissions?: readonly DocumentedList[];
  /** What the page says about TTL, IP filtering, rotation and prerequisites, quoted or closely paraphrased. */
  readonly guidance?: readonly string[];
}

export interface PlatformDefinition {
  /** Catalog key used in stack config (`platform: drata`). */
  readonly key: string;
  readonly displayName: string;
  readonly owner: TokenOwnerKind;
  /** Account-owned tokens belong to one account, so such platforms get one token per account. */
  readonly tokenPerAccount: boolean;
  readonly verifyRoute: "/user/tokens/verify" | "/accounts/{account_id}/tokens/verify";
  readonly defaultProfile: string;
  readonly profiles: Readonly<Record<string, PlatformProfile>>;
  readonly handoff: PlatformHandoff;
  /** The documented source of every fact above. */
  readonly source: PlatformSource;
  /** The platform's own rotation advice: the TTL its connections get unless the stack file says otherwise. */
  readonly defaultTtlDays?: number;
  /** Lets a group that is not read-only through validation (stack-defined platforms only; the policy pack still decides). */
  readonly allowWrite?: boolean;
}

export type PlatformInput = Omit<PlatformDefinition, "tokenPerAccount" | "verifyRoute">;

/** A problem with a platform definition: where in it (relative path) and what to do. */
export interface PlatformProblem {
  readonly path: readonly PropertyKey[];
  readonly value: unknown;
  readonly message: string;
}

/**
 * Every problem of a platform definition, in one pass: the rules built-in entries and stack-defined
 * platforms share. A group must be in Cloudflare's list at its scope (with the API's name for a
 * documentation name, the scope it does exist at, or the nearest name), read-only unless the
 * definition allows writing, and an account-owned platform can carry no user-scope group.
 * `scopeName`: how the messages name a scope (a stack file's author reads its own words).
 */
export function platformProblems(input: PlatformInput, scopeName: ScopeName = (scope) => scope): PlatformProblem[] {
  const problems: PlatformProblem[] = [];
  if (!(input.defaultProfile in input.profiles)) {
    problems.push({
      path: ["defaultProfile"],
      value: input.defaultProfile,
      message: `is not one of its profiles. Fix: use one of ${Object.keys(input.profiles).join(", ")}`,
    });
  }
  for (const [profile, def] of Object.entries(input.profiles)) {
    def.groups.forEach((group, index) => {
      const at = ["profiles", profile, "groups", index];
      const known = findKnownGroup(group);
      if (!known) {
        problems.push({ path: at, value: group.name, message: unknownGroupFix(group, scopeName) });
      } else if (known.access !== "read" && !input.allowWrite) {
        problems.push({
          path: at,
          value: group.name,
          message:
            `${describeGroupIn(group, scopeName)} is not read-only (${known.access} access); a compliance platform reads. ` +
            "Fix: use its Read group, or set allowWrite: true on the platform if its guide really needs to write (the policy pack's read-only rule still fails it unless the pack's config allows it)",
        });
      } else if (group.scope === SCOPES.user && input.owner === "account") {
        problems.push({
          path: at,
          value: group.name,
          message: `${describeGroupIn(group, scopeName)} is a user-scope group, which an account-owned token cannot carry. Fix: set owner: user, or remove the group`,
        });
      }
    });
  }
  if (!input.handoff.fields.some((field) => field.source === "token")) {
    problems.push({
      path: ["handoff", "fields"],
      value: undefined,
      message: "has no field for the token. Fix: add {label: API Token, source: token}",
    });
  }
  return problems;
}

/** Why a group is not in Cloudflare's list, ending in the fix: the catalog's suggestion, else the nearest name at that scope. */
function unknownGroupFix(group: PermissionGroupRef, scopeName: ScopeName): string {
  if (suggestKnownGroup(group)) return unknownGroupMessage(group, scopeName);
  const atScope = KNOWN_PERMISSION_GROUPS.filter((g) => g.scope === group.scope).map((g) => g.name);
  const nearest = atScope.length > 0 ? closest(group.name, atScope) : undefined;
  return (
    `permission group "${group.name}" is not in Cloudflare's permission-group list at scope ${scopeWord(group.scope)}. ` +
    (nearest
      ? `Fix: did you mean "${nearest}"? (names: src/cloudflare/permission-group-catalog.json)`
      : "Fix: use a name and scope from src/cloudflare/permission-group-catalog.json")
  );
}

/**
 * Derives what follows from the owner kind, so an entry cannot contradict itself, and refuses an
 * entry platformProblems finds fault with (a wrong name would fail at deploy on real Cloudflare).
 */
export function definePlatform<const Key extends string>(
  input: PlatformInput & { readonly key: Key },
): PlatformDefinition & { readonly key: Key } {
  const problems = platformProblems(input);
  if (problems.length > 0) {
    throw new Error(problems.map((p) => describeProblem(input.key, p)).join("\n"));
  }
  return {
    ...input,
    tokenPerAccount: input.owner === "account",
    verifyRoute: input.owner === "account" ? "/accounts/{account_id}/tokens/verify" : "/user/tokens/verify",
  };
}

/** `platform drata, profile guide: permission group …` (group problems carry their subject); `platform x: defaultProfile "y" is …`. */
function describeProblem(key: string, problem: PlatformProblem): string {
  if (problem.path[0] === "profiles") return `platform ${key}, profile ${String(problem.path[1])}: ${problem.message}`;
  const value = problem.value === undefined ? "" : ` "${String(problem.value)}"`;
  return `platform ${key}: ${problem.path.join(".")}${value} ${problem.message}`;
}
