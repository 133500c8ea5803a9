import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { complianceTokenMocks, mockPermissionGroupId } from "../../src/component/mocks";
// The program creates resources only when called, so a static import before setMocks is safe.
import { complianceTokensProgram } from "../../src/program/program";
import { endMockedRun, unwrap } from "../helpers/mocked-run";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE } from "../helpers/settings";
import { SCOPES } from "../../src/domain/permission-group";

const USER_ID = "8ec917c52e6b1d94920f1e3ec8d5ae82";
const ZONES: Record<string, { id: string; account: string }> = {
  "acme-corp.com": { id: "576e2aa970f9f4e230116c7c1d498a24", account: ACME_CORP },
  "acmelabs.dev": { id: "18e0d6184039cd9b0d569da586627741", account: ACME_LABS },
};
const idOf = mockPermissionGroupId;

let withdrawnGroup: string | undefined;
const created: pulumi.runtime.MockResourceArgs[] = [];
const invokes: string[] = [];

// A fresh mock engine per run, as each `pulumi up` is a run of its own (invoke answers are remembered per run).
const mocks = (): pulumi.runtime.Mocks =>
  complianceTokenMocks({
    zones: Object.fromEntries(Object.entries(ZONES).map(([name, zone]) => [name, { id: zone.id, accountId: zone.account }])),
    userId: USER_ID,
    withoutGroups: withdrawnGroup ? [SCOPES.user, SCOPES.account, SCOPES.zone].map((scope) => ({ name: withdrawnGroup!, scope })) : [],
    tokenValue: (name) => `SECRET-${name}`,
    onResource: (args) => created.push(args),
    onInvoke: (args) => invokes.push(args.token),
  });

function configure(raw: Record<string, unknown>) {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(raw).map(([k, v]) => [`cf-compliance-tokens:${k}`, JSON.stringify(v)])));
}

async function runProgram() {
  created.length = 0;
  await pulumi.runtime.setMocks(mocks(), "cf-compliance-tokens", "dev", false);
  const outputs = await complianceTokensProgram(new Date("2026-11-25T00:00:00Z"));
  // Registration is asynchronous: wait until every token resource has been created.
  await Promise.all(Object.values(outputs.tokens).map((token) => unwrap(pulumi.all([token.id, token.expiresOn]))));
  await endMockedRun();
  return outputs;
}

describe("the Pulumi program under mocks", () => {
  it("creates a user-owned ApiToken for Drata and an AccountToken per ASCERA account, inside ComplianceToken components", async () => {
    configure({
      connections: [
        { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE], token: { allowedIps: ["203.0.113.0/24"] } },
        { platform: "ascera", accounts: [ACME_CORP, ACME_LABS] },
      ],
    });
    const outputs = await runProgram();
    expect(Object.keys(outputs.tokens)).toEqual(["drata-g1", "ascera-417daa9d-g1", "ascera-fca1dc08-g1"]);

    const components = created.filter((r) => r.type === "cf-compliance-tokens:index:ComplianceToken");
    expect(components.map((c) => c.name).sort()).toEqual(["ascera-417daa9d-g1", "ascera-fca1dc08-g1", "drata-g1"]);
    // The component's inputs describe the token by group names, for policy packs and previews.
    const drataComponent = components.find((c) => c.name === "drata-g1")!.inputs;
    expect(drataComponent.policies.map((p: { permissionGroups: unknown[] }) => p.permissionGroups.length)).toEqual([3, 5, 2]);
    expect(drataComponent.policies[2].resources).toEqual({ [`com.cloudflare.api.user.${USER_ID}`]: "*" });
    // Registration order is up to the engine; compare by name.
    const tokens = created
      .filter((r) => r.custom)
      .sort((a, b) => (a.name === "drata-g1" ? -1 : b.name === "drata-g1" ? 1 : a.name.localeCompare(b.name)));
    expect(tokens.map((t) => [t.type, t.name, t.inputs.accountId])).toEqual([
      ["cloudflare:index/apiToken:ApiToken", "drata-g1", undefined],
      ["cloudflare:index/accountToken:AccountToken", "ascera-417daa9d-g1", ACME_CORP],
      ["cloudflare:index/accountToken:AccountToken", "ascera-fca1dc08-g1", ACME_LABS],
    ]);

    const drata = tokens[0]!.inputs;
    expect(drata.name).toBe("cfct dev drata g1");
    expect(drata.expiresOn).toBe("2027-02-23T00:00:00Z");
    expect(drata.condition).toEqual({ requestIp: { ins: ["203.0.113.0/24"] } });
    expect(drata.policies.map((p: { resources: string }) => p.resources)).toEqual([
      `{"com.cloudflare.api.account.${ACME_CORP}":"*"}`,
      `{"com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24":"*","com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}":"*"}`,
      `{"com.cloudflare.api.user.${USER_ID}":"*"}`,
    ]);
    const ids = drata.policies.map((p: { permissionGroups: { id: string }[] }) => p.permissionGroups.map((g) => g.id));
    expect(ids.flat()).toHaveLength(10);
    for (const list of ids) expect(list).toEqual([...list].sort());
    expect(ids[2]).toEqual([idOf("Memberships Read", SCOPES.user), idOf("User Details Read", SCOPES.user)].sort());
    // "Access: Apps and Policies Read" is resolved at zone scope, not to its account-scope twin.
    expect(ids[1]).toContain(idOf("Access: Apps and Policies Read", SCOPES.zone));
    expect(ids[1]).not.toContain(idOf("Access: Apps and Policies Read", SCOPES.account));
  });

  it("exports id, owner, groups, resources and expiry of each token, and no value (test/program/no-values-in-outputs.test.ts)", async () => {
    configure({ connections: [{ platform: "ascera", accounts: [ACME_CORP] }] });
    const outputs = await runProgram();
    const token = outputs.tokens["ascera-417daa9d-g1"]!;
    expect(token).not.toHaveProperty("value");
    expect(Object.keys(outputs)).toEqual(["tokens"]);
    expect(await pulumi.isSecret(token.id)).toBe(false);
    expect(await unwrap(token.id)).toBe("ascera-417daa9d-g1-id");
    expect(token.owner).toEqual({ kind: "account", accountId: ACME_CORP });
    expect(token.groups.map((g) => g.name).sort()).toEqual([
      "Access: Audit Logs Read",
      "Access: Organizations, Identity Providers, and Groups Read",
      "Account Settings Read",
    ]);
    expect(await unwrap(token.expiresOn)).toBe("2027-02-23T00:00:00Z");
  });

  it("zones: all needs no zone lookups; the plan's nested form reaches the provider verbatim", async () => {
    configure({ connections: [{ platform: "ascera", profile: "read-all", accounts: [ACME_LABS], zones: "all" }] });
    invokes.length = 0;
    await runProgram();
    expect(invokes).toEqual(["cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList"]);
    const zonePolicy = created.find((r) => r.custom)!.inputs.policies[1];
    expect(zonePolicy.resources).toBe(`{"com.cloudflare.api.account.${ACME_LABS}":{"com.cloudflare.api.account.zone.*":"*"}}`);
  });

  it("fails before creating anything, naming each group Cloudflare no longer offers and each unknown zone", async () => {
    withdrawnGroup = "Zone WAF Read";
    try {
      configure({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", "typo-corp.com"] }] });
      await expect(runProgram()).rejects.toThrow(
        /permission group "Zone WAF Read" \(com\.cloudflare\.api\.account\.zone\) is not offered[\s\S]*zone "typo-corp\.com"/,
      );
      expect(created.filter((r) => r.custom)).toEqual([]);
    } finally {
      withdrawnGroup = undefined;
    }
  });

  it("refuses a zone name that exists only in an account the connection did not choose", async () => {
    configure({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acmelabs.dev"] }] });
    await expect(runProgram()).rejects.toThrow(/no zone of that name in account\(s\) 417daa9dc1293f3af874e997f8bdce54/);
  });

  it("rejects bad stack config with the config error, before any invoke", async () => {
    configure({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["bad zone"] }] });
    invokes.length = 0;
    await expect(runProgram()).rejects.toThrow(/cf-compliance-tokens:connections\[0\]\.zones\[0\] = "bad zone"/);
    expect(invokes).toEqual([]);
  });
});
