import { z } from "zod";

/**
 * Where public evidence about Cloudflare's API disagrees, or we could not pin a behaviour down, the
 * sandbox can behave each way the evidence allows, and the product must pass under all of them.
 * Each behaviour has a name, its possible values and a default: the best-evidenced value.
 * FIDELITY.md ("Named behaviours") gives the sources for every value.
 */
export const BEHAVIOURS = {
  /** `GET /zones` (no `name`, or an `account.id` filter) by a token without all zones of the account. */
  zoneListing: {
    values: ["refuse", "filter"],
    default: "refuse",
    summary: "refuse: 403 code 0 'requires permission com.cloudflare.api.account.zone.list'; filter: 200 with the zones the token holds",
  },
  /** The error code of a 403 for a missing permission group. */
  missingPermissionCode: {
    values: ["9109", "10000"],
    default: "9109",
    summary: "9109 'Unauthorized to access requested resource' or 10000 'Authentication error'",
  },
  /** A token of the other owner kind at a verify route. */
  wrongOwnerVerifyStatus: {
    values: ["401", "403"],
    default: "401",
    summary: "the HTTP status of a user token at /accounts/{id}/tokens/verify and vice versa",
  },
  /** Token lists without `include_expired=true`. */
  expiredTokensInLists: {
    values: ["hidden", "listed"],
    default: "hidden",
    summary: "hidden: expired tokens appear only with include_expired=true; listed: always",
  },
  /** The order of a token's policies and of each policy's groups when it is read back. */
  policyReadBackOrder: {
    values: ["reordered", "as-written"],
    default: "reordered",
    summary: "reordered: policies in another order, each policy's groups sorted by ID; as-written: as created",
  },
  /** When a principal's requests are refused after it spends its budget. */
  rateLimitRefusal: {
    values: ["window-from-excess", "fixed-window"],
    default: "window-from-excess",
    summary: "window-from-excess: refused for a whole window from the first refused request; fixed-window: until the current window ends",
  },
  /** What the `Ratelimit` / `Ratelimit-Policy` headers say; the budget is enforced whatever they say. */
  rateLimitHeaders: {
    values: ["static", "accurate", "absent"],
    default: "static",
    summary:
      'static: "default";r=<quota-1>;t=1 whatever was spent, a "list_zones" item on GET /zones, none on the verify routes; accurate: counted down; absent: none',
  },
  /** `GET …/tokens?name=` (Cloudflare's changelog of 2026-06-25). */
  tokenListNameFilter: {
    values: ["supported", "ignored"],
    default: "supported",
    summary: "supported: token lists keep the tokens whose name contains ?name= (any case); ignored: the whole list",
  },
  /** Who may create and update an account-owned token (src/cloudflare/account-roles.ts has the one list of roles). */
  accountTokenRoles: {
    values: ["super-admin", "administrator", "any-member"],
    default: "super-admin",
    summary:
      "super-admin: creating and updating need 'Super Administrator - All Privileges', 'API Token Provisioning' may create within its own groups and sees only its own tokens; administrator: 'Administrator' may too; any-member: no role check",
  },
  /** A deleted, revoked or never-issued token outside the verify routes. */
  deadTokenAnswer: {
    values: ["verify-only-401", "401-everywhere"],
    default: "verify-only-401",
    summary:
      "verify-only-401: 401 1000 at the verify routes, 403 9109 'Invalid access token' elsewhere; 401-everywhere: 401 1000 on every route",
  },
  /** The shape of the token values the sandbox issues. */
  tokenValueFormat: {
    values: ["sandbox", "cloudflare"],
    default: "sandbox",
    summary:
      "sandbox: cfsbx_ + 40 characters, never mistaken for a real value; cloudflare: cfut_ (user) or cfat_ (account) + 40 alphanumerics + 8 hex checksum",
  },
} as const;

export type BehaviourName = keyof typeof BEHAVIOURS;
export type Behaviours = { readonly [N in BehaviourName]: (typeof BEHAVIOURS)[N]["values"][number] };

const BEHAVIOUR_NAMES = Object.keys(BEHAVIOURS) as BehaviourName[];

/**
 * Behaviours that were renamed: the old name, the new one and how each old value reads now. A file
 * recorded under the old name is read under the new one (parity/behaviour-file.ts); a name typed now
 * (`--behaviour`, a fixture's `behaviour:`) is refused with the new name, so nobody keeps typing it.
 */
export const RENAMED_BEHAVIOURS: Readonly<
  Record<string, { readonly now: BehaviourName; readonly values: Readonly<Record<string, string>>; readonly why: string }>
> = {
  accountTokenCreatorRole: {
    now: "accountTokenRoles",
    values: { administrator: "administrator", "any-member": "any-member" },
    why: "it now covers updating as well as creating, and the Super-Administrator-only rule of cloudflare-docs#33184",
  },
};

function unknownBehaviourMessage(keys: readonly string[]): string {
  return keys
    .map((key) => {
      const renamed = RENAMED_BEHAVIOURS[key];
      return renamed
        ? `behaviour ${key} was renamed ${renamed.now} (${renamed.why}). Fix: use ${renamed.now} with one of ${BEHAVIOURS[renamed.now].values.join(", ")} (${Object.entries(
            renamed.values,
          )
            .map(([old, value]) => `${key}=${old} is ${renamed.now}=${value}`)
            .join("; ")})`
        : `unknown behaviour ${key}. Fix: use one of ${BEHAVIOUR_NAMES.join(", ")}`;
    })
    .join("; ");
}

function valueSchema<N extends BehaviourName>(name: N) {
  const { values } = BEHAVIOURS[name];
  return z.enum(values as unknown as [string, ...string[]], {
    error: (issue) => `${name} = ${JSON.stringify(issue.input)} is not a value of this behaviour. Fix: use one of ${values.join(", ")}`,
  });
}

/** Partial behaviours as a fixture's `behaviour:` key or `startSandbox({ behaviours })` gives them. */
export type BehaviourOverrides = Partial<Behaviours>;
export const behaviourOverridesSchema = z.strictObject(
  Object.fromEntries(BEHAVIOUR_NAMES.map((name) => [name, valueSchema(name).optional()])),
  {
    error: (issue) => (issue.code === "unrecognized_keys" ? unknownBehaviourMessage(issue.keys) : undefined),
  },
) as unknown as z.ZodType<BehaviourOverrides, BehaviourOverrides>;

export const DEFAULT_BEHAVIOURS: Behaviours = Object.fromEntries(
  BEHAVIOUR_NAMES.map((name) => [name, BEHAVIOURS[name].default]),
) as unknown as Behaviours;

/** Defaults, then each layer of overrides in turn (fixture, then options). */
export function resolveBehaviours(...layers: readonly (BehaviourOverrides | undefined)[]): Behaviours {
  const merged: Record<string, string> = { ...DEFAULT_BEHAVIOURS };
  for (const layer of layers) {
    const parsed = behaviourOverridesSchema.safeParse(layer ?? {});
    if (!parsed.success) throw new RangeError(`sandbox behaviours: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    for (const [name, value] of Object.entries(parsed.data)) if (value !== undefined) merged[name] = value;
  }
  return merged as unknown as Behaviours;
}

/** A behaviour given as `name=value` (the `--behaviour` flag); the error names both lists. */
export function parseBehaviourAssignment(text: string): BehaviourOverrides {
  const match = /^([A-Za-z]+)=(.+)$/.exec(text.trim());
  if (!match)
    throw new RangeError(
      `--behaviour ${JSON.stringify(text)} is not name=value. Fix: e.g. --behaviour zoneListing=filter; names: ${BEHAVIOUR_NAMES.join(", ")}`,
    );
  const parsed = behaviourOverridesSchema.safeParse({ [match[1]!]: match[2] });
  if (!parsed.success) throw new RangeError(`--behaviour ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return parsed.data;
}

/** Every non-default value, one per case: the behaviour matrix's rows. */
export function nonDefaultBehaviourCases(): {
  readonly name: BehaviourName;
  readonly value: string;
  readonly overrides: BehaviourOverrides;
}[] {
  return BEHAVIOUR_NAMES.flatMap((name) =>
    BEHAVIOURS[name].values
      .filter((value) => value !== BEHAVIOURS[name].default)
      .map((value) => ({ name, value, overrides: { [name]: value } as BehaviourOverrides })),
  );
}
