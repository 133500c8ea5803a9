import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { COMPLIANCE_TOKEN_INVOKES, ComplianceToken, complianceTokenMocks, complianceTokensPerAccount } from "../../src/index";
import { planComponentToken } from "../../src/component/arguments";
import { plannedResources } from "../../src/diff/policy-verdict";
import { endMockedRun, recordRegisteredOutputs } from "../helpers/mocked-run";
import { ACME_CORP } from "../helpers/settings";
import { componentMocks } from "../helpers/component-mocks";

/** The component on its own, under mocks: what the package test cannot see from outside. */
const { mocks, registered, invokes } = componentMocks();

async function start(preview: boolean) {
  registered.length = 0;
  invokes.length = 0;
  await pulumi.runtime.setMocks(mocks, "consumer", "dev", preview);
}

/**
 * A resource not created yet, as at a first preview: an output its provider has not reported is
 * unknown (the mocks answer with the inputs, and `zoneIds` is not one).
 */
class PendingZones extends pulumi.CustomResource {
  declare readonly zoneIds: pulumi.Output<string[]>;

  constructor() {
    super("consumer:index:Zones", "pending", { zoneIds: undefined });
  }
}

describe("ComplianceToken", () => {
  it("describes the token by group names and scopes in its own inputs, for policy packs and previews", async () => {
    await start(false);
    new ComplianceToken("drata", { platform: "drata", accounts: [ACME_CORP], zones: "all" });
    await endMockedRun();
    const component = registered.find((r) => r.type === "cf-compliance-tokens:index:ComplianceToken")!;
    expect(component.inputs.platform).toBe("drata");
    expect(component.inputs.profile).toBe("guide");
    expect(component.inputs.ttlDays).toBe(90);
    expect(component.inputs.policies.map((p: { permissionGroups: unknown[] }) => p.permissionGroups.length)).toEqual([3, 5, 2]);
    expect(component.inputs.policies[1].resources).toEqual({
      [`com.cloudflare.api.account.${ACME_CORP}`]: { "com.cloudflare.api.account.zone.*": "*" },
    });
  });

  it("keeps the value as a secret property for the caller, and out of the outputs it registers", async () => {
    await start(false);
    const registeredOutputs = recordRegisteredOutputs();
    try {
      const token = new ComplianceToken("drata", { platform: "drata", accounts: [ACME_CORP], zones: "all" });
      expect(await pulumi.isSecret(token.value)).toBe(true);
      expect(await new Promise((resolve) => token.value.apply(resolve))).toBe("mock-token-value-drata");
      await endMockedRun();
      const { outputs } = (await registeredOutputs.resolve()).find((r) => r.urn.endsWith("ComplianceToken::drata"))!;
      expect(Object.keys(outputs).sort()).toEqual(["expiresOn", "permissionGroups", "resources", "tokenId"]);
      expect(JSON.stringify(outputs)).not.toContain("mock-token-value-drata");
    } finally {
      registeredOutputs.restore();
    }
  });

  it("honours a providers map for the token and for every invoke", async () => {
    await start(false);
    const other = new cloudflare.Provider("other", {});
    new ComplianceToken("drata", { platform: "drata", accounts: [ACME_CORP], zones: "all" }, { providers: { cloudflare: other } });
    await endMockedRun();
    const token = registered.find((r) => r.type === "cloudflare:index/apiToken:ApiToken")!;
    expect(token.provider).toMatch(/::other::/);
    expect(invokes.length).toBeGreaterThan(0);
    for (const invoke of invokes) expect(invoke.provider).toMatch(/::other::/);
  });

  it("takes Outputs, and a value unknown at preview leaves the token's inputs unknown instead of hanging", async () => {
    await start(true);
    new ComplianceToken("drata", { platform: "drata", accounts: pulumi.output([ACME_CORP]), zones: new PendingZones().zoneIds });
    await endMockedRun();
    const unknown = { __pulumiUnknown: true };
    const child = registered.find((r) => r.type === "cloudflare:index/apiToken:ApiToken")!;
    expect(child.inputs).toEqual({ name: unknown, policies: unknown, expiresOn: unknown, condition: unknown });
    // The component's own inputs too, so a policy pack reports "unknown at preview" rather than a false pass.
    const component = registered.find((r) => r.type === "cf-compliance-tokens:index:ComplianceToken")!;
    expect(component.inputs).toMatchObject({ platform: "drata", policies: unknown });
  });

  it("complianceTokensPerAccount names one component per account, lengthening the suffix only for accounts that share 8 hex digits", async () => {
    await start(false);
    const sibling = `${ACME_CORP.slice(0, 9)}${"0".repeat(23)}`;
    const tokens = complianceTokensPerAccount("ascera", { platform: "ascera", accounts: [ACME_CORP, sibling] });
    await endMockedRun();
    expect(Object.keys(tokens)).toEqual([ACME_CORP, sibling]);
    expect(registered.filter((r) => r.type === "cf-compliance-tokens:index:ComplianceToken").map((r) => r.name)).toEqual([
      "ascera-417daa9d",
      `ascera-${ACME_CORP.slice(0, 9)}0`,
    ]);
  });

  it("complianceTokenMocks resolves the zone names it was given, leaves out withdrawn groups, and names an invoke it does not answer", async () => {
    const mocked = complianceTokenMocks({
      zones: { "acme-corp.com": { id: "576e2aa970f9f4e230116c7c1d498a24", accountId: ACME_CORP } },
      withoutGroups: [{ name: "Zone Read", scope: "com.cloudflare.api.account.zone" }],
    });
    const call = (token: string, inputs: Record<string, unknown> = {}) =>
      mocked.call({ token, inputs, provider: undefined } as pulumi.runtime.MockCallArgs) as Record<string, unknown>;
    expect(call(COMPLIANCE_TOKEN_INVOKES.zones, { name: "acme-corp.com" })).toEqual({
      results: [{ id: "576e2aa970f9f4e230116c7c1d498a24", name: "acme-corp.com", account: { id: ACME_CORP, name: ACME_CORP } }],
    });
    expect(call(COMPLIANCE_TOKEN_INVOKES.zones, { name: "typo-corp.com" })).toEqual({ results: [] });
    const accountGroups = call(COMPLIANCE_TOKEN_INVOKES.accountPermissionGroups, { accountId: ACME_CORP }).results as {
      name: string;
      scopes: string[];
    }[];
    expect(accountGroups.some((g) => g.name === "Zone Read")).toBe(false);
    expect(accountGroups.some((g) => g.scopes.includes("com.cloudflare.api.user"))).toBe(false);
    expect(() => call("cloudflare:index/getAccount:getAccount")).toThrow(
      /does not answer the invoke cloudflare:index\/getAccount:getAccount/,
    );
  });
});

describe("the provider token cfct diff judges is the one the component declares", () => {
  it("same type and inputs as registered under mocks, IDs aside", async () => {
    await start(false);
    const args = { accounts: [ACME_CORP], zones: "all" as const, allowedIps: ["203.0.113.0/24"], deniedIps: ["203.0.113.7/32"] };
    new ComplianceToken("drata", { platform: "drata", ...args });
    await endMockedRun();
    const registeredChild = registered.find((r) => r.type === "cloudflare:index/apiToken:ApiToken")!;
    const [, planned] = plannedResources("dev", planComponentToken("drata", "drata", args, "dev", new Date()));
    expect(planned!.type).toBe(registeredChild.type);
    const withoutIds = (inputs: Record<string, unknown>) => ({
      ...inputs,
      expiresOn: typeof inputs["expiresOn"],
      policies: (inputs["policies"] as { effect: string; permissionGroups: unknown[]; resources: string }[]).map((p) => ({
        effect: p.effect,
        groups: p.permissionGroups.length,
        resourceKeys: Object.keys(JSON.parse(p.resources) as object).map((key) => key.replace(/[0-9a-f]{32}/, "<id>")),
      })),
    });
    expect(withoutIds(planned!.props)).toEqual(withoutIds(registeredChild.inputs));
  });
});
