import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseSettings } from "../config/schema";
import { ipFilterOverlap, ipFilterWarnings } from "../config/ip-filter";
import { definedPlatforms, type PlatformSpec } from "../config/platforms";
import { plan } from "../plan/plan";
import { accountSuffixes } from "../plan/account-suffix";
import type { PolicyResources } from "../domain/resource-keys";
import { PLATFORMS, type PlatformDefinition } from "../platforms";
import { invokeDirectory } from "./directory";
import { resolveTokens, type ResolvedToken } from "./resolve";
import { COMPLIANCE_TOKEN_TYPE, TOKEN_RESOURCE_TYPES } from "../domain/resource-types";
import { DAY_MS } from "../domain/time";
import { type PermissionGroupRef } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";

/** A platform of the catalog: `drata` (one user-owned token), `ascera` (one account-owned token per account), … */
export type PlatformKey = keyof typeof PLATFORMS & string;

/**
 * A platform the catalog does not have, defined as a stack file's `cf-compliance-tokens:platforms`
 * entry is (displayName, owner, source, groups, …), plus its key. Validated exactly as one.
 */
export type ComplianceTokenPlatform = PlatformSpec & { readonly key: string };

export interface ComplianceTokenArgs {
  /**
   * The compliance platform: a catalog key, or a definition of your own. It decides whether the
   * token is user-owned (`cloudflare.ApiToken`) or account-owned (`cloudflare.AccountToken`), so it
   * is a plain value.
   */
  readonly platform: PlatformKey | ComplianceTokenPlatform;
  /** Account IDs the token reads. An account-owned platform takes exactly one (see `complianceTokensPerAccount`). */
  readonly accounts: pulumi.Input<readonly pulumi.Input<string>[]>;
  /** Zone names or IDs, or `"all"` for every zone of the accounts; only for profiles that read zones. */
  readonly zones?: pulumi.Input<"all" | readonly pulumi.Input<string>[]>;
  /** A profile of the platform; its default (least privilege) when absent. */
  readonly profile?: pulumi.Input<string>;
  /** 1..365, default 90: the token expires this long after `issuedAt`. */
  readonly ttlDays?: pulumi.Input<number>;
  /** CIDRs the token may be used from (`condition.request_ip.in`). */
  readonly allowedIps?: pulumi.Input<readonly pulumi.Input<string>[]>;
  /** CIDRs it may never be used from (`condition.request_ip.not_in`). */
  readonly deniedIps?: pulumi.Input<readonly pulumi.Input<string>[]>;
  /** The token's name in Cloudflare (at most 120 characters); default `cfct <stack> <resource name>`. */
  readonly tokenName?: pulumi.Input<string>;
  /**
   * RFC 3339: when this token was issued, the anchor of its expiry. Default: when it is first created.
   * Either way the expiry is kept on later updates (`ignoreChanges: ["expiresOn"]`); a new expiry
   * takes a new token (rotation).
   */
  readonly issuedAt?: pulumi.Input<string>;
  /**
   * Hosts this token's registration sends it (and the registrar's secrets) to, as the stack file
   * configures them: shown to the policy pack (registration-hosts). The stack program sets it;
   * absent, the pack's registration-hosts rules are not applicable.
   */
  readonly registrationHosts?: pulumi.Input<readonly pulumi.Input<string>[]>;
}

/** A permission group the token grants, by (name, scope): Cloudflare's names are unique only per scope. */
export type GrantedGroup = PermissionGroupRef;

interface PlainArgs {
  readonly accounts: readonly string[];
  readonly zones?: "all" | readonly string[];
  readonly profile?: string;
  readonly ttlDays?: number;
  readonly allowedIps?: readonly string[];
  readonly deniedIps?: readonly string[];
  readonly tokenName?: string;
  readonly issuedAt?: string;
}

/** The token in readable terms, as the component's own inputs: what the policy pack and previews check. */
export function describeToken({ plan: tokenPlan, policies }: ResolvedToken) {
  return {
    platform: tokenPlan.platform,
    profile: tokenPlan.profile,
    owner: tokenPlan.owner,
    policies: policies.map((policy) => ({
      effect: policy.effect,
      permissionGroups: policy.permissionGroups.map(({ name, scope }) => ({ name, scope })),
      resources: policy.resources,
    })),
    // The TTL, not the expiry date: an unpinned first generation's date moves with the clock, and
    // component inputs would show that as a diff in every preview.
    ttlDays: Math.round((Date.parse(tokenPlan.expiresOn) - Date.parse(tokenPlan.issuedAt)) / DAY_MS),
    allowedIps: [...tokenPlan.allowedIps],
    deniedIps: [...tokenPlan.deniedIps],
  };
}

type DescribedToken = ReturnType<typeof describeToken>;

/**
 * Stack-config problems renamed to the component's arguments: `cf-compliance-tokens:connections[0].token.ttlDays`
 * → `args.ttlDays`, `cf-compliance-tokens:platforms.acme.groups[0]` → `args.platform.groups[0]`.
 */
function argumentError(resourceName: string, error: unknown): unknown {
  if (!(error instanceof ConfigError)) return error;
  const problems = error.problems.map((p) => ({
    ...p,
    path: p.path.replace(/^[^:]+:connections\[0\]\.(token\.)?/, "args.").replace(/^[^:]+:platforms\.[^.[]+/, "args.platform"),
  }));
  return new ConfigError(`ComplianceToken "${resourceName}"`, problems);
}

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
      throw new Error(
        `ComplianceToken "${resourceName}": args.platform = ${JSON.stringify(platform)} is not a known platform. Fix: use one of ${Object.keys(PLATFORMS).join(", ")}, or pass a definition {key, displayName, owner, source, groups}`,
      );
    return known;
  }
  const config = platformsConfig(platform);
  const valid = definedPlatforms(config.platforms).platforms[platform.key];
  if (valid) return valid;
  // Invalid: the stack file's own messages (shape and rules) say why, renamed to the argument.
  try {
    parseSettings({ ...config, connections: [] }, { stack: "component", source: `ComplianceToken "${resourceName}"` });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw argumentError(
      resourceName,
      new ConfigError(
        error.source,
        error.problems.filter((p) => !p.path.endsWith(":connections")),
      ),
    );
  }
  throw new Error(`ComplianceToken "${resourceName}": args.platform is not a valid platform definition`);
}

function accountCountError(resourceName: string, platform: string, accounts: readonly unknown[]): ConfigError {
  return new ConfigError(`ComplianceToken "${resourceName}"`, [
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
  let settings;
  try {
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
    settings = parseSettings(
      { ...platformsConfig(platform), connections: [connection] },
      { stack, source: `ComplianceToken "${resourceName}"` },
    );
  } catch (error) {
    throw argumentError(resourceName, error);
  }
  const [planned] = plan(settings, PLATFORMS, args.issuedAt ? new Date(args.issuedAt) : now);
  if (!planned) throw new Error(`ComplianceToken "${resourceName}": the planner returned no token`);
  return { ...planned, name: args.tokenName ?? `cfct ${stack} ${resourceName}` };
}

/**
 * An Output whose source is bound after `super()`: a component's inputs are given to its
 * constructor, but its resolution invokes are parented to it, so they can start only once it exists.
 */
function lateOutput<T>(): { output: pulumi.Output<T>; bind(source: pulumi.Output<T>): void } {
  let bind!: (source: pulumi.Output<T>) => void;
  const source = new Promise<pulumi.Output<T>>((resolve) => (bind = resolve));
  // apply() flattens the inner Output, so unknowns (preview) and secrets carry through.
  return { output: pulumi.output(source).apply((inner) => inner as unknown as T), bind };
}

/**
 * One least-privilege Cloudflare API token for a compliance platform: the platform's permission
 * groups, scoped to the given accounts and zones, with an expiry and an optional client-IP filter.
 * Group and zone names are resolved to IDs with the Cloudflare provider's invokes, parented to this
 * component (so the caller's `provider`/`providers` apply), and the token is created as its child:
 * a user-owned `cloudflare.ApiToken` or an account-owned `cloudflare.AccountToken`.
 */
export class ComplianceToken extends pulumi.ComponentResource {
  /** Cloudflare's token ID. */
  readonly tokenId: pulumi.Output<string>;
  /**
   * The token value, a secret. Not one of the component's registered outputs: the child token
   * resource holds it in the state, and exporting it would hand it to every reader of outputs.
   */
  readonly value: pulumi.Output<string>;
  /** RFC 3339. */
  readonly expiresOn: pulumi.Output<string>;
  /** The permission groups granted, by (name, scope). */
  readonly permissionGroups: pulumi.Output<GrantedGroup[]>;
  /** Each policy's resources, zone and user names resolved to IDs. */
  readonly resources: pulumi.Output<PolicyResources[]>;

  constructor(name: string, args: ComplianceTokenArgs, opts?: pulumi.ComponentResourceOptions) {
    const platform = resolvePlatform(name, args.platform);
    // Known now (a plain list): refuse before anything is registered; an Output list is checked once it resolves.
    if (platform.tokenPerAccount && Array.isArray(args.accounts) && args.accounts.length !== 1) {
      throw accountCountError(name, platform.key, args.accounts as readonly unknown[]);
    }
    const described = lateOutput<DescribedToken>();
    const field = <K extends keyof DescribedToken>(key: K) => described.output.apply((d) => d[key]);
    super(
      COMPLIANCE_TOKEN_TYPE,
      name,
      {
        platform: platform.key,
        profile: field("profile"),
        owner: field("owner"),
        policies: field("policies"),
        ttlDays: field("ttlDays"),
        allowedIps: field("allowedIps"),
        deniedIps: field("deniedIps"),
        ...(args.registrationHosts !== undefined ? { registrationHosts: args.registrationHosts } : {}),
      },
      opts,
    );

    const directory = invokeDirectory({ parent: this });
    const stack = pulumi.getStack();
    const now = new Date();
    const resolved = pulumi
      .output({
        accounts: args.accounts,
        zones: args.zones,
        profile: args.profile,
        ttlDays: args.ttlDays,
        allowedIps: args.allowedIps,
        deniedIps: args.deniedIps,
        tokenName: args.tokenName,
        issuedAt: args.issuedAt,
      })
      .apply(async (plain) => {
        const tokenPlan = planComponentToken(name, args.platform, plain as PlainArgs, stack, now);
        for (const warning of ipFilterWarnings(ipFilterOverlap(tokenPlan.allowedIps, tokenPlan.deniedIps)))
          void pulumi.log.warn(`ComplianceToken "${name}": ${warning}`, this);
        const [token] = await resolveTokens([tokenPlan], directory);
        return token!;
      });
    described.bind(resolved.apply(describeToken));

    const child = resolved.apply(tokenResource);
    const input = <K extends keyof TokenResourceInputs>(key: K) => child.apply((c) => c.inputs[key]);
    const inputs = { name: input("name"), policies: input("policies"), expiresOn: input("expiresOn"), condition: input("condition") };
    // Expiry is fixed when a token is created; only a new token (rotation) moves it.
    const childOpts: pulumi.CustomResourceOptions = { parent: this, ignoreChanges: ["expiresOn"], additionalSecretOutputs: ["value"] };
    const token =
      platform.owner === "account"
        ? new cloudflare.AccountToken(name, { ...inputs, accountId: child.apply((c) => c.inputs.accountId!) }, childOpts)
        : new cloudflare.ApiToken(name, inputs, childOpts);

    this.tokenId = token.id;
    // The provider marks `value` secret, but mocks and some engines do not: wrap it ourselves.
    this.value = pulumi.secret(token.value);
    this.expiresOn = token.expiresOn.apply((expiresOn) => expiresOn ?? "");
    this.permissionGroups = resolved.apply((t) =>
      t.policies.flatMap((policy) => policy.permissionGroups.map(({ name: groupName, scope }) => ({ name: groupName, scope }))),
    );
    this.resources = resolved.apply((t) => t.policies.map((policy) => ({ ...policy.resources })));
    this.registerOutputs({
      tokenId: this.tokenId,
      expiresOn: this.expiresOn,
      permissionGroups: this.permissionGroups,
      resources: this.resources,
    });
  }
}

function requestCondition(tokenPlan: TokenPlan) {
  if (tokenPlan.allowedIps.length === 0 && tokenPlan.deniedIps.length === 0) return undefined;
  return {
    requestIp: {
      ...(tokenPlan.allowedIps.length > 0 ? { ins: [...tokenPlan.allowedIps] } : {}),
      ...(tokenPlan.deniedIps.length > 0 ? { notIns: [...tokenPlan.deniedIps] } : {}),
    },
  };
}

export interface TokenResourceInputs {
  readonly name: string;
  readonly policies: { effect: "allow" | "deny"; permissionGroups: { id: string }[]; resources: string }[];
  readonly expiresOn: string;
  readonly condition: ReturnType<typeof requestCondition>;
  /** AccountToken only. */
  readonly accountId?: string;
}

/**
 * The provider resource a ComplianceToken declares for a resolved token: its type and its inputs,
 * exactly as the component passes them (and `pulumi preview` hands them to the policy pack).
 * `cfct diff` judges the same declaration offline.
 */
export function tokenResource(token: ResolvedToken): { type: string; inputs: TokenResourceInputs } {
  const owner = token.plan.owner;
  return {
    type: TOKEN_RESOURCE_TYPES[owner.kind],
    inputs: {
      name: token.plan.name,
      policies: token.policies.map((policy) => ({
        effect: policy.effect,
        permissionGroups: policy.permissionGroups.map((group) => ({ id: group.id })),
        resources: policy.resourcesJson,
      })),
      expiresOn: token.plan.expiresOn,
      condition: requestCondition(token.plan),
      ...(owner.kind === "account" ? { accountId: owner.accountId } : {}),
    },
  };
}

/**
 * One connection over many accounts, for account-owned platforms: one ComplianceToken per account,
 * named `<name>-<first 8 of the account ID>` (longer for an account listed after another that
 * shares those 8 digits, as the stack program's token keys).
 */
export function complianceTokensPerAccount(
  name: string,
  args: Omit<ComplianceTokenArgs, "accounts"> & { readonly accounts: readonly string[] },
  opts?: pulumi.ComponentResourceOptions,
): Record<string, ComplianceToken> {
  const suffixes = accountSuffixes(args.accounts);
  return Object.fromEntries(
    args.accounts.map((accountId) => [
      accountId,
      new ComplianceToken(`${name}-${suffixes.get(accountId)}`, { ...args, accounts: [accountId] }, opts),
    ]),
  );
}
