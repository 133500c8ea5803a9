import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, API_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { scopedResources } from "../../policies/rules/scoped-resources";
import { ACME_CORP, ACME_LABS } from "../helpers/settings";
import { USER_ID, byName, compliantProdConfig, deploy, edit, hexId, stackFileConfig, urnOf, type FakeResource } from "./fixtures";
import { runResource } from "./harness";
import { SCOPES } from "../../src/domain/permission-group";

let prod: FakeResource[];
let dev: FakeResource[];
let readAll: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  dev = await deploy("dev", stackFileConfig("dev"));
  // zones: all -> the nested "all zones of this account" form, which is scoped.
  readAll = await deploy("dev", { connections: [{ platform: "ascera", profile: "read-all", accounts: [ACME_LABS], zones: "all" }] });
});

const ACCOUNT_KEY = (id: string) => `com.cloudflare.api.account.${id}`;
const drataComponent = () => byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1");
const drataToken = () => byName(prod, API_TOKEN_TYPE, "drata-prod-g1");
const asceraComponent = () => byName(prod, COMPLIANCE_TOKEN_TYPE, "ascera-prod-417daa9d-g1");
const asceraToken = () => byName(prod, ACCOUNT_TOKEN_TYPE, "ascera-prod-417daa9d-g1");
/** Edits the JSON string of a provider token's policy. */
const editJson = (resource: FakeResource, index: number, change: (resources: Record<string, unknown>) => void) =>
  edit(resource, (inputs) => {
    const resources = JSON.parse(inputs.policies[index].resources);
    change(resources);
    inputs.policies[index].resources = JSON.stringify(resources);
  });

describe("scoped-resources (mandatory)", () => {
  it("is registered as a mandatory resource policy", () => {
    expect(scopedResources.name).toBe("scoped-resources");
    expect(scopedResources.enforcementLevel).toBe("mandatory");
  });

  it("passes the components and provider tokens of the shipped stacks and the nested zones: all form", async () => {
    const tokens = [...prod, ...dev, ...readAll];
    expect(
      tokens
        .filter((r) => r.custom)
        .map((r) => r.type)
        .sort(),
    ).toEqual([
      ACCOUNT_TOKEN_TYPE,
      ACCOUNT_TOKEN_TYPE,
      ACCOUNT_TOKEN_TYPE,
      ACCOUNT_TOKEN_TYPE,
      API_TOKEN_TYPE,
      API_TOKEN_TYPE,
      API_TOKEN_TYPE,
    ]);
    const nested = byName(readAll, ACCOUNT_TOKEN_TYPE, "ascera-fca1dc08-g1").inputs as { policies: { resources: string }[] };
    expect(nested.policies[1]!.resources).toBe(`{"${ACCOUNT_KEY(ACME_LABS)}":{"com.cloudflare.api.account.zone.*":"*"}}`);
    for (const token of tokens) expect((await runResource(scopedResources, token)).messages, token.urn).toEqual([]);
  });

  it("is not applicable to other resources", async () => {
    const other = { ...drataToken(), type: "cloudflare:index/zone:Zone", urn: urnOf("prod", "cloudflare:index/zone:Zone", "z") };
    expect((await runResource(scopedResources, other)).notApplicable).toBeDefined();
  });

  it("blocks the wildcard account, in the component's object and in the provider's JSON", async () => {
    const component = edit(drataComponent(), (inputs) => (inputs.policies[0].resources = { "com.cloudflare.api.account.*": "*" }));
    expect((await runResource(scopedResources, component)).messages).toEqual([
      'ComplianceToken "drata-prod-g1": policies[0] uses the wildcard account "com.cloudflare.api.account.*" (every account the owner can reach). Fix: list the accounts.',
    ]);
    const raw = editJson(drataToken(), 0, (r) => (r["com.cloudflare.api.account.*"] = "*"));
    expect((await runResource(scopedResources, raw)).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1": policies[0] uses the wildcard account "com.cloudflare.api.account.*" (every account the owner can reach). Fix: list the accounts.',
    ]);
  });

  it("blocks top-level all zones (every zone of every account), but not all zones nested under one account", async () => {
    const raw = editJson(drataToken(), 1, (r) => (r["com.cloudflare.api.account.zone.*"] = "*"));
    expect((await runResource(scopedResources, raw)).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1": policies[1] grants "com.cloudflare.api.account.zone.*" at the top level: every zone of every account. Fix: list zones, or nest all zones under one account (zones: all).',
    ]);
    const wildcardNested = editJson(drataToken(), 1, (r) => {
      r[ACCOUNT_KEY(ACME_CORP)] = { "com.cloudflare.api.account.zone.*": "*" };
    });
    expect((await runResource(scopedResources, wildcardNested)).messages).toEqual([]);
    const nestedWildcardAccount = editJson(drataToken(), 1, (r) => {
      r["com.cloudflare.api.account.*"] = { "com.cloudflare.api.account.zone.*": "*" };
    });
    expect((await runResource(scopedResources, nestedWildcardAccount)).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1": policies[1] uses the wildcard account "com.cloudflare.api.account.*" (every account the owner can reach). Fix: list the accounts.',
    ]);
  });

  it("keeps user resources to user-owned tokens", async () => {
    const raw = editJson(asceraToken(), 0, (r) => (r[`com.cloudflare.api.user.${USER_ID}`] = "*"));
    expect((await runResource(scopedResources, raw)).messages).toEqual([
      `cloudflare.AccountToken "ascera-prod-417daa9d-g1": policies[0] references user resource "com.cloudflare.api.user.${USER_ID}", but the token is account-owned: user resources belong only on user-owned tokens.`,
    ]);
    const component = edit(asceraComponent(), (inputs) =>
      inputs.policies.push({
        effect: "allow",
        permissionGroups: [{ name: "User Details Read", scope: SCOPES.user }],
        resources: { [`com.cloudflare.api.user.${USER_ID}`]: "*" },
      }),
    );
    expect((await runResource(scopedResources, component)).messages).toEqual([
      'ComplianceToken "ascera-prod-417daa9d-g1": policies[1] grants user-scope group "User Details Read", but the token is account-owned: only user-owned tokens can carry user permissions.',
      `ComplianceToken "ascera-prod-417daa9d-g1": policies[1] references user resource "com.cloudflare.api.user.${USER_ID}", but the token is account-owned: user resources belong only on user-owned tokens.`,
    ]);
  });

  it("refuses a wildcard or unresolved user on a user-owned token", async () => {
    const raw = editJson(drataToken(), 2, (r) => {
      delete r[`com.cloudflare.api.user.${USER_ID}`];
      r["com.cloudflare.api.user.*"] = "*";
      r["com.cloudflare.api.user.<self>"] = "*";
    });
    expect((await runResource(scopedResources, raw)).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1": policies[2] has user key "com.cloudflare.api.user.*", which is not one resolved user ID.',
      'cloudflare.ApiToken "drata-prod-g1": policies[2] has user key "com.cloudflare.api.user.<self>", which is not one resolved user ID.',
    ]);
  });

  it("keeps an account-owned token inside its own account, directly and nested", async () => {
    const other = ACCOUNT_KEY(ACME_LABS);
    const raw = editJson(asceraToken(), 0, (r) => (r[other] = "*"));
    expect((await runResource(scopedResources, raw)).messages).toEqual([
      `cloudflare.AccountToken "ascera-prod-417daa9d-g1": policies[0] references account "${other}", but the token is owned by account ${ACME_CORP}: an account-owned token may only reference its own account.`,
    ]);
    const component = edit(
      asceraComponent(),
      (inputs) => (inputs.policies[0].resources = { [other]: { "com.cloudflare.api.account.zone.*": "*" } }),
    );
    expect((await runResource(scopedResources, component)).messages).toEqual([
      `ComplianceToken "ascera-prod-417daa9d-g1": policies[0] references account "${other}", but the token is owned by account ${ACME_CORP}: an account-owned token may only reference its own account.`,
    ]);
    // The provider's accountId is the owner: moving the token to another account is caught too.
    const moved = edit(asceraToken(), (inputs) => (inputs.accountId = ACME_LABS));
    expect((await runResource(scopedResources, moved)).messages).toHaveLength(1);
  });

  it("refuses unresolved zone names and unknown resource keys, and never echoes an unparsable resources string", async () => {
    const names = editJson(drataToken(), 1, (r) => {
      r["com.cloudflare.api.account.zone.<acme-corp.com>"] = "*";
      r["com.cloudflare.api.organization.x"] = "*";
    });
    expect((await runResource(scopedResources, names)).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1": policies[1] has zone key "com.cloudflare.api.account.zone.<acme-corp.com>", which is not a resolved zone ID.',
      'cloudflare.ApiToken "drata-prod-g1": policies[1] has resource key "com.cloudflare.api.organization.x", which is not an account, zone or user key.',
    ]);
    const broken = edit(drataToken(), (inputs) => (inputs.policies[0].resources = '{"com.cloudflare.api.account.s3cr3t": '));
    const { messages } = await runResource(scopedResources, broken);
    expect(messages).toEqual(['cloudflare.ApiToken "drata-prod-g1" policies[0].resources is not valid JSON: cannot prove it scoped.']);
    expect(messages.join()).not.toContain("s3cr3t");
  });

  it("ignores deny policies, which only narrow a token", async () => {
    const raw = edit(drataToken(), (inputs) =>
      inputs.policies.push({
        effect: "deny",
        permissionGroups: [{ id: hexId("x") }],
        resources: '{"com.cloudflare.api.account.zone.*":"*"}',
      }),
    );
    expect((await runResource(scopedResources, raw)).messages).toEqual([]);
  });
});
