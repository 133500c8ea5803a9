import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { ipFilterOverlap, ipFilterWarnings } from "../config/ip-filter";
import { accountSuffixes } from "../plan/account-suffix";
import type { PolicyResources } from "../domain/resource-keys";
import type { PlatformKey } from "../platforms";
import { COMPLIANCE_TOKEN_TYPE } from "../domain/resource-types";
import { type PermissionGroupRef } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";
import { accountCountError, planComponentToken, resolvePlatform, type ComplianceTokenPlatform, type PlainArgs } from "./arguments";
import { invokeDirectory } from "./directory";
import { resolveTokens, type ResolvedToken } from "./resolve";
import { describeToken, tokenResource, type TokenResourceInputs } from "./token-resource";

export type { PlatformKey } from "../platforms";
export type { ComplianceTokenPlatform } from "./arguments";

/** The arguments of a ComplianceToken: which platform, which accounts and zones, and the token's limits. */
export interface ComplianceTokenArgs {
  /**
   * The compliance platform: a built-in key (`"drata"`, `"ascera"`, … — your editor lists them), or
   * a definition of your own. It decides whether the token is user-owned (`cloudflare.ApiToken`) or
   * account-owned (`cloudflare.AccountToken`), so it is a plain value.
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

/**
 * @internal A token the stack program (src/program/program.ts) planned and resolved together with
 * every other token of the stack: the component declares it as it is, without planning it again.
 */
export interface PlannedTokenArgs {
  readonly resolved: ResolvedToken;
  readonly registrationHosts: readonly string[];
}

/** A permission group the token grants, by (name, scope): Cloudflare's names are unique only per scope. */
export type GrantedGroup = PermissionGroupRef;

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

/** What the component's constructor knows before `super()`: enough to name the platform and pick the token's resource type. */
interface Declaration {
  readonly platformKey: string;
  readonly owner: "user" | "account";
  readonly resolved: pulumi.Output<ResolvedToken>;
  /** What needs the component itself (its invokes and warnings are parented to it): run right after `super()`. */
  readonly start: (component: ComplianceToken) => void;
}

/**
 * One least-privilege Cloudflare API token for a compliance platform: the platform's permission
 * groups, scoped to the given accounts and zones, with an expiry and an optional client-IP filter.
 * Group and zone names are resolved to IDs with the Cloudflare provider's invokes, parented to this
 * component (so the caller's `provider`/`providers` apply), and the token is created as its child:
 * a user-owned `cloudflare.ApiToken` or an account-owned `cloudflare.AccountToken` (`token`).
 *
 * Constructed with `opts.urn` (Pulumi rehydrating a component that exists, e.g. a resource reference
 * read back), it plans and declares nothing, and its properties are unset: its child exists already.
 */
export class ComplianceToken extends pulumi.ComponentResource {
  /** The child token resource, for `dependsOn` and for reading its other outputs. */
  readonly token!: cloudflare.ApiToken | cloudflare.AccountToken;
  /** Cloudflare's token ID. */
  readonly tokenId!: pulumi.Output<string>;
  /**
   * The token value, a secret. Not one of the component's registered outputs: the child token
   * resource holds it in the state, and exporting it would hand it to every reader of outputs.
   */
  readonly value!: pulumi.Output<string>;
  /** RFC 3339. */
  readonly expiresOn!: pulumi.Output<string>;
  /** The permission groups granted, by (name, scope). */
  readonly permissionGroups!: pulumi.Output<GrantedGroup[]>;
  /** Each policy's resources, zone and user names resolved to IDs. */
  readonly resources!: pulumi.Output<PolicyResources[]>;

  /**
   * @param name The component's logical name; its child token gets the same name.
   * @param args The platform, accounts, zones and limits of the token.
   * @param opts Pulumi options: `provider`/`providers` reach the child token and every invoke.
   */
  constructor(name: string, args: ComplianceTokenArgs, opts?: pulumi.ComponentResourceOptions);
  /** @internal The stack program's path: a token it planned and resolved already. */
  constructor(name: string, args: PlannedTokenArgs, opts?: pulumi.ComponentResourceOptions);
  constructor(name: string, args: ComplianceTokenArgs | PlannedTokenArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Rehydrating (opts.urn): the engine holds this component and its child, and `args` may be absent.
    if (opts.urn) {
      super(COMPLIANCE_TOKEN_TYPE, name, {}, opts);
      return;
    }
    const declaration = "resolved" in args ? plannedDeclaration(name, args) : declarationFromArgs(name, args);
    const described = declaration.resolved.apply(describeToken);
    const field = <K extends keyof ReturnType<typeof describeToken>>(key: K) => described.apply((d) => d[key]);
    super(
      COMPLIANCE_TOKEN_TYPE,
      name,
      {
        platform: declaration.platformKey,
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
    declaration.start(this);

    const resolved = declaration.resolved;
    const child = resolved.apply(tokenResource);
    const input = <K extends keyof TokenResourceInputs>(key: K) => child.apply((c) => c.inputs[key]);
    const inputs = { name: input("name"), policies: input("policies"), expiresOn: input("expiresOn"), condition: input("condition") };
    // Expiry is fixed when a token is created; only a new token (rotation) moves it.
    const childOpts: pulumi.CustomResourceOptions = { parent: this, ignoreChanges: ["expiresOn"], additionalSecretOutputs: ["value"] };
    const token =
      declaration.owner === "account"
        ? new cloudflare.AccountToken(name, { ...inputs, accountId: child.apply((c) => c.inputs.accountId!) }, childOpts)
        : new cloudflare.ApiToken(name, inputs, childOpts);

    this.token = token;
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

function warnAboutIpFilter(name: string, tokenPlan: TokenPlan, component: ComplianceToken): void {
  for (const warning of ipFilterWarnings(ipFilterOverlap(tokenPlan.allowedIps, tokenPlan.deniedIps)))
    void pulumi.log.warn(`ComplianceToken "${name}": ${warning}`, component);
}

/** The program's token: planned from the stack config it was checked against, and resolved already. */
function plannedDeclaration(name: string, { resolved }: PlannedTokenArgs): Declaration {
  return {
    platformKey: resolved.plan.platform,
    owner: resolved.plan.owner.kind,
    resolved: pulumi.output(resolved),
    start: (component) => warnAboutIpFilter(name, resolved.plan, component),
  };
}

/** A caller's token: the platform checked now, the rest planned and resolved once the Inputs are known. */
function declarationFromArgs(name: string, args: ComplianceTokenArgs): Declaration {
  const platform = resolvePlatform(name, args.platform);
  // Known now (a plain list): refuse before anything is registered; an Output list is checked once it resolves.
  if (platform.tokenPerAccount && Array.isArray(args.accounts) && args.accounts.length !== 1) {
    throw accountCountError(name, platform.key, args.accounts as readonly unknown[]);
  }
  const resolved = lateOutput<ResolvedToken>();
  const stack = pulumi.getStack();
  const now = new Date();
  return {
    platformKey: platform.key,
    owner: platform.owner,
    resolved: resolved.output,
    start: (component) => {
      const directory = invokeDirectory({ parent: component });
      const plain = pulumi.output({
        accounts: args.accounts,
        zones: args.zones,
        profile: args.profile,
        ttlDays: args.ttlDays,
        allowedIps: args.allowedIps,
        deniedIps: args.deniedIps,
        tokenName: args.tokenName,
        issuedAt: args.issuedAt,
      });
      resolved.bind(
        plain.apply(async (values) => {
          const tokenPlan = planComponentToken(name, args.platform, values as PlainArgs, stack, now);
          warnAboutIpFilter(name, tokenPlan, component);
          const [token] = await resolveTokens([tokenPlan], directory);
          return token!;
        }),
      );
    },
  };
}

/**
 * One connection over many accounts, for account-owned platforms: one ComplianceToken per account,
 * named `<name>-<first 8 of the account ID>` (longer for an account listed after another that
 * shares those 8 digits, as the stack program's token keys). Keyed by account ID.
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
