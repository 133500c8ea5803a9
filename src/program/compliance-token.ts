import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { TokenOwner } from "../plan/plan";
import { COMPLIANCE_TOKEN_TYPE } from "./outputs";
import type { ResolvedToken } from "./resolve";

export { COMPLIANCE_TOKEN_TYPE } from "./outputs";

export interface ComplianceTokenArgs {
  readonly token: ResolvedToken;
}

/** Pulumi logical name of one token generation: renaming it would replace (rotate) the token. */
export function logicalName(token: { key: string; generation: number }): string {
  return `${token.key}-g${token.generation}`;
}

/** The token in readable terms: permission groups by (name, scope), resources after resolution. */
export function describeToken({ plan, policies }: ResolvedToken) {
  return {
    key: plan.key,
    platform: plan.platform,
    profile: plan.profile,
    owner: plan.owner,
    generation: plan.generation,
    policies: policies.map((policy) => ({
      effect: policy.effect,
      permissionGroups: policy.permissionGroups.map(({ name, scope }) => ({ name, scope })),
      resources: policy.resources,
    })),
    // The TTL, not the expiry date: a first generation's date moves with the clock until it is
    // pinned, and component inputs would show that as a diff in every preview.
    ttlDays: Math.round((Date.parse(plan.expiresOn) - Date.parse(plan.issuedAt)) / 86_400_000),
    allowedIps: [...plan.allowedIps],
    deniedIps: [...plan.deniedIps],
  };
}

/**
 * One platform connection's token generation: a user-owned `cloudflare.ApiToken` or an
 * account-owned `cloudflare.AccountToken`, with the value exposed only as a secret.
 */
export class ComplianceToken extends pulumi.ComponentResource {
  readonly tokenId: pulumi.Output<string>;
  readonly tokenName: pulumi.Output<string>;
  readonly key: string;
  readonly platform: string;
  readonly owner: TokenOwner;
  readonly generation: number;
  readonly issuedAt: string;
  readonly groups: ResolvedToken["policies"][number]["permissionGroups"][number][];
  readonly resources: Record<string, unknown>[];
  readonly expiresOn: pulumi.Output<string | undefined>;
  readonly value: pulumi.Output<string>;

  constructor(name: string, args: ComplianceTokenArgs, opts?: pulumi.ComponentResourceOptions) {
    const { plan, policies } = args.token;
    // The component's own inputs are the token's meaning in names, not IDs: what policy packs
    // (policies/) and previews check. All of it is known at preview time.
    super(COMPLIANCE_TOKEN_TYPE, name, describeToken(args.token), opts);
    const inputs = {
      name: plan.name,
      policies: policies.map((policy) => ({
        effect: policy.effect,
        permissionGroups: policy.permissionGroups.map((group) => ({ id: group.id })),
        resources: policy.resourcesJson,
      })),
      expiresOn: plan.expiresOn,
      ...(plan.notBefore ? { notBefore: plan.notBefore } : {}),
      ...(plan.allowedIps.length > 0 || plan.deniedIps.length > 0
        ? {
            condition: {
              requestIp: {
                ...(plan.allowedIps.length > 0 ? { ins: [...plan.allowedIps] } : {}),
                ...(plan.deniedIps.length > 0 ? { notIns: [...plan.deniedIps] } : {}),
              },
            },
          }
        : {}),
    };
    // Expiry is fixed when a generation is created; only a rotation (a new generation) moves it,
    // so a first deploy's clock never shows up as a diff in later previews.
    const childOpts: pulumi.CustomResourceOptions = { parent: this, ignoreChanges: ["expiresOn"], additionalSecretOutputs: ["value"] };
    const resource =
      plan.owner.kind === "account"
        ? new cloudflare.AccountToken(name, { ...inputs, accountId: plan.owner.accountId }, childOpts)
        : new cloudflare.ApiToken(name, inputs, childOpts);

    this.tokenId = resource.id;
    this.tokenName = resource.name;
    this.key = plan.key;
    this.platform = plan.platform;
    this.owner = plan.owner;
    this.generation = plan.generation;
    this.issuedAt = plan.issuedAt;
    this.groups = policies.flatMap((policy) => policy.permissionGroups.map((g) => ({ ...g })));
    this.resources = policies.map((policy) => ({ ...policy.resources }));
    this.expiresOn = resource.expiresOn;
    // The provider marks `value` secret, but mocks and some engines do not: wrap it ourselves.
    this.value = pulumi.secret(resource.value);
    this.registerOutputs({
      tokenId: this.tokenId,
      tokenName: this.tokenName,
      expiresOn: this.expiresOn,
      value: this.value,
    });
  }

  /** What the stack exports about this token: everything a verifier or auditor needs, never the value. */
  toOutput() {
    return {
      id: this.tokenId,
      name: this.tokenName,
      key: this.key,
      platform: this.platform,
      owner: this.owner,
      generation: this.generation,
      issuedAt: this.issuedAt,
      groups: this.groups,
      resources: this.resources,
      expiresOn: this.expiresOn,
    };
  }
}
