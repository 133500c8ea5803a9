import type { CloudflareClient, LivePermissionGroup, TokenDetails, ZoneSummary } from "../cloudflare/client";
import type { RefusalCount } from "./refusals";
import { type TokenOwner } from "../domain/owner";
import type { VerifyMemo } from "./memo";
import type { PlatformDefinition } from "../platforms";
import { type TokenPlan } from "../domain/plan";
import type { PermissionGroupRef } from "../domain/permission-group";

/** A group as the deploy resolved it: its planned (name, scope) and the ID Cloudflare's list gave it. */
export interface DeployedGroup extends PermissionGroupRef {
  readonly id: string;
}

/** What exactness compares a token with: its plan, and what the run learnt about the plan's zones. */
export interface ExactnessExpectation {
  readonly plan: TokenPlan;
  /** Zone names of the plan resolved to IDs (in the chosen accounts). */
  readonly zoneIdsByName: ReadonlyMap<string, string>;
  /** For messages: zone ID -> name. */
  readonly zoneNamesById: ReadonlyMap<string, string>;
  /** No zones were specified: any zones of the chosen accounts are acceptable. */
  readonly zonesUnspecified: boolean;
  /** The plan's expiry is anchored on a recorded generation (not on "now"), so it is worth comparing. */
  readonly plannedExpiryKnown: boolean;
  readonly extraRead: "warn" | "fail";
  readonly stack?: string;
  /** Where the names of the token's group IDs came from: the deploy's own resolution, or Cloudflare's list. */
  readonly groupsFrom?: "deploy" | "list";
}

/** The token as Cloudflare stores it, with the groups that name its group IDs and where they came from. */
export interface ReadBack {
  readonly token: TokenDetails;
  readonly groups: readonly LivePermissionGroup[];
  readonly groupsFrom: "deploy" | "list";
}

/**
 * A profile that reads zones, verified with none named: any zones of the chosen accounts are
 * acceptable, and coverage counts them.
 */
export interface UnnamedZones {
  /** How the caller lets the user name an exact list of zones (cfct verify: `--zones`), for coverage's remedies. */
  readonly nameWith: string;
}

/** Which zones coverage holds the token to. */
export type ZoneMode =
  | { readonly kind: "none" }
  | { readonly kind: "explicit"; readonly zones: readonly string[] }
  | { readonly kind: "all" }
  | ({ readonly kind: "unspecified" } & UnnamedZones);

/** The zone modes coverage answers by counting each account's zones. */
export type CountedZones = Extract<ZoneMode, { readonly kind: "all" | "unspecified" }>;

/** Chosen zone names resolved through the provisioner (resolve-zones.ts). */
export interface ResolvedZones {
  readonly byName: ReadonlyMap<string, string>;
  readonly byId: ReadonlyMap<string, string>;
  readonly accountById: ReadonlyMap<string, string>;
}

export interface CoverageContext {
  readonly client: CloudflareClient;
  readonly provisioner?: CloudflareClient;
  readonly accounts: readonly string[];
  readonly mode: ZoneMode;
  readonly profileText: string;
  readonly stack?: string;
  /** The token's policies as Cloudflare stores them (exactness read them with the provisioner). */
  readonly readBack?: ReadBack;
  readonly resolved?: ResolvedZones;
  /** Probe every chosen zone instead of a sample of ZONE_SAMPLE_SIZE. */
  readonly probeAllZones?: boolean;
}

export interface CoverageResult {
  readonly check: Check;
  /** Chosen zones to run the zone probes on (a bounded sample, or every one with probeAllZones). */
  readonly sample: readonly ZoneSummary[];
  /** The warning that the token cannot list zones, when it holds specific zones. */
  readonly listing?: Check;
  /** Zones the platform must be given by name because the token cannot list them. */
  readonly unlistedZones?: readonly string[];
}

/** What the liveness check (liveness.ts) knows of the token and who may explain a refusal. */
export interface LivenessContext {
  readonly client: CloudflareClient;
  readonly provisioner?: CloudflareClient;
  readonly owner: TokenOwner;
  /** The chosen accounts: where an account-owned token given for a user-owned plan may belong. */
  readonly accounts: readonly string[];
  readonly token: string;
  readonly platformName: string;
  /** The token's name in Cloudflare, when known (a stack plan); lets the provisioner tell expired from deleted. */
  readonly tokenName?: string;
  readonly stack?: string;
  readonly expiryWarnDays: number;
  readonly now: Date;
  readonly allowedIps: readonly string[];
  readonly deniedIps: readonly string[];
}

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** One verification result. `id` is stable (`endpoint`, `liveness`, `exactness:groups`, `probe:Zone WAF Read`, `coverage`…). */
export interface Check {
  readonly id: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** The concrete fix, whenever the status is not `pass`. */
  readonly remedy?: string;
}

export interface VerifyReport {
  /** True when no check failed (warnings and skips allowed). */
  readonly ok: boolean;
  readonly platform: string;
  /** The plan's token key (e.g. `drata`, `ascera-417daa9d`) when verifying a planned token. */
  readonly tokenKey?: string;
  /** Cloudflare's ID of the token, from the verify route. */
  readonly tokenId?: string;
  /** HTTP requests sent to Cloudflare, retries included, both credentials together. */
  readonly apiCalls: number;
  readonly checks: readonly Check[];
  /**
   * The zones of a token scoped to specific zones, by name where known: it cannot list zones
   * (GET /zones answers 403), so the platform must be given them (the hand-off sheet lists them).
   */
  readonly unlistedZones?: readonly string[];
  /**
   * Cloudflare's last_used_on (null: never used) as read back after verification's last use of the
   * token: the baseline rotation tells the platform's own use from. Absent when no read followed it.
   */
  readonly lastUsedOn?: string | null;
}

/**
 * The clients verification sends through, built by the caller (the composition root) on one shared
 * call counter, so the report's `apiCalls` totals all three.
 */
export interface VerifyClients {
  /** The API base as the user gave it: the endpoint check inspects it before anything is sent. */
  readonly apiBase: string;
  /** Sends no credential: the endpoint check's probe. */
  readonly anonymous: CloudflareClient;
  /** Sends the token under verify. */
  readonly token: CloudflareClient;
  /** Reads tokens (API Tokens Read/Write, or Account API Tokens Read/Write); enables exactness. */
  readonly provisioner?: CloudflareClient;
  /** The 401/403s each credential's client got: after one, failed checks wait for a liveness re-check. */
  readonly refusals: { readonly token: RefusalCount; readonly provisioner: RefusalCount };
  /** The credentials these clients send, scrubbed from every message. */
  readonly secrets: readonly string[];
}

/** Builds one token's clients; the composition root binds the API base, the provisioner, the budgets and the retry bounds. */
export type ClientsFor = (token: { readonly value: string; readonly owner: TokenOwner; readonly id?: string }) => VerifyClients;

interface VerifyOptions {
  readonly platform: PlatformDefinition;
  /** The token value. Held in memory only; never printed, scrubbed from every message. */
  readonly token: string;
  readonly clients: VerifyClients;
  /** Warn when the token expires within this many days. Default 14. */
  readonly expiryWarnDays?: number;
  /** An extra Read group the plan does not have: warn (default) or fail. Extra Write groups always fail. */
  readonly extraReadGroups?: "warn" | "fail";
  /** Stack name, so remedies can say `cfct rotate --stack <env>`. */
  readonly stack?: string;
  /** Probe every chosen zone functionally (one call each) instead of a bounded sample. */
  readonly probeAllZones?: boolean;
  /** What the command's verifications share (the endpoint probe, permission-group lists), each asked once per command. */
  readonly memo?: VerifyMemo;
  /** Clock; default `new Date()`. */
  readonly now?: () => Date;
}

/** A token the stack plans (and may have deployed): its plan is the expected token. */
export interface VerifyPlannedToken extends VerifyOptions {
  readonly by: "plan";
  readonly plan: TokenPlan;
  /** The plan's expiresOn is anchored on a recorded generation, so the token's expiry must match it (±1 day). */
  readonly plannedExpiryKnown?: boolean;
  /**
   * The token's ID when it is already known (the stack's outputs). A token whose planned IP filter
   * keeps this machine out cannot tell its ID itself; with this, exactness is still checked.
   */
  readonly tokenId?: string;
  /**
   * Do not send the token at all, and say why (e.g. a new generation waiting for its platform to
   * use it: any use by cfct would look like the platform's). Only its policies are checked.
   */
  readonly withoutUse?: string;
  /** The token's groups as the deploy resolved them (the stack's outputs): they name its group IDs without another call. */
  readonly deployedGroups?: readonly DeployedGroup[];
}

/** A token named by platform, profile, accounts and zones (cfct verify's flags), planned for the comparison. */
export interface VerifyPlatformToken extends VerifyOptions {
  readonly by: "platform";
  readonly plan: TokenPlan;
  /** Set when the profile reads zones and none were named. */
  readonly zonesUnspecified?: UnnamedZones;
}

export type VerifyInput = VerifyPlannedToken | VerifyPlatformToken;
