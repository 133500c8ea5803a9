import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/schema";
import { platformSpec } from "../../src/config/platforms";
import { plan } from "../../src/plan/plan";
import { SCOPES } from "../../src/domain/permission-group";
import { ACME_CORP, ACME_LABS, settingsFrom } from "../helpers/settings";
import { ACME_GRC, ACME_SIEM } from "../helpers/platforms";

const NOW = new Date("2026-12-07T12:00:00.000Z");

function problemsOf(raw: unknown): ConfigError["problems"] {
  try {
    settingsFrom(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("platforms defined in the stack file (cf-compliance-tokens:platforms)", () => {
  it("plan gives a connection of a stack-defined platform exactly its groups, owner and scope, as for a built-in", () => {
    const settings = settingsFrom({
      platforms: { "acme-grc": ACME_GRC },
      connections: [{ platform: "acme-grc", accounts: [ACME_CORP], zones: ["acme-corp.com"] }],
    });
    const [token, ...rest] = plan(settings, undefined, NOW);
    expect(rest).toEqual([]);
    expect(token).toMatchObject({
      key: "acme-grc",
      platform: "acme-grc",
      profile: "default",
      owner: { kind: "user" },
      name: "cfct test acme-grc g1",
    });
    expect(token!.policies.map((p) => [p.permissionGroups, p.resources])).toEqual([
      [[{ name: "Account Settings Read", scope: SCOPES.account }], { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" }],
      [[{ name: "Zone Read", scope: SCOPES.zone }], { "com.cloudflare.api.account.zone.<acme-corp.com>": "*" }],
    ]);
    expect(settings.platforms["acme-grc"]).toMatchObject({
      displayName: "Acme GRC",
      source: { url: ACME_GRC.source },
      tokenPerAccount: false,
    });
  });

  it("an account-owned definition gets one account-owned token per account; named profiles and defaultProfile work as for built-ins", () => {
    const settings = settingsFrom({
      platforms: {
        "acme-soc": {
          displayName: "Acme SOC",
          owner: "account",
          source: "https://acme-soc.example/docs/cloudflare",
          profiles: {
            members: { description: "members only", groups: [{ name: "Account Settings Read", scope: "account" }] },
            audit: { groups: [{ name: "Access: Audit Logs Read", scope: "account" }] },
          },
          defaultProfile: "members",
        },
      },
      connections: [
        { platform: "acme-soc", accounts: [ACME_CORP, ACME_LABS] },
        { platform: "acme-soc", name: "acme-soc-audit", profile: "audit", accounts: [ACME_CORP] },
      ],
    });
    const tokens = plan(settings, undefined, NOW);
    expect(tokens.map((t) => [t.key, t.profile, t.owner.kind, t.policies[0]!.permissionGroups[0]!.name])).toEqual([
      ["acme-soc-417daa9d", "members", "account", "Account Settings Read"],
      ["acme-soc-fca1dc08", "members", "account", "Account Settings Read"],
      ["acme-soc-audit-417daa9d", "audit", "account", "Access: Audit Logs Read"],
    ]);
  });

  it("reports every problem of definitions and connections in one pass, each with the key path, the value and the fix", () => {
    const problems = problemsOf({
      platforms: {
        "acme-grc": {
          ...ACME_GRC,
          groups: [
            { name: "Zone Raed", scope: "zone" },
            { name: "Cache Rules Read", scope: "zone" },
            { name: "Workers Scripts Read", scope: "zone" },
            { name: "DNS Write", scope: "zone" },
          ],
        },
        drata: { ...ACME_GRC, displayName: "My Drata" },
        "no-source": { displayName: "No Source", owner: "user", groups: [{ name: "Zone Read", scope: "zone" }] },
        "acct-user": { ...ACME_GRC, owner: "account", groups: [{ name: "Memberships Read", scope: "user" }] },
      },
      connections: [
        { platform: "acme-gcr", accounts: [ACME_CORP], zones: "all" },
        { platform: "acme-grc", accounts: [ACME_CORP], zones: "all" },
      ],
    });
    const at = (path: string) => problems.filter((p) => p.path === `cf-compliance-tokens:${path}`);
    expect(at("platforms.acme-grc.groups[0]")[0]).toMatchObject({
      value: "Zone Raed",
      message: expect.stringMatching(/at scope zone\. Fix: did you mean "Zone Read"\?/),
    });
    expect(at("platforms.acme-grc.groups[1]")[0]!.message).toMatch(
      /documentation's display name; the API names it "Cache Settings Read"\. Fix: did you mean "Cache Settings Read"\?/,
    );
    expect(at("platforms.acme-grc.groups[2]")[0]!.message).toMatch(
      /Cloudflare has "Workers Scripts Read" only at scope account\. Fix: use that scope/,
    );
    expect(at("platforms.acme-grc.groups[3]")[0]!.message).toMatch(
      /"DNS Write" \(zone\) is not read-only \(write access\).*Fix: .*allowWrite: true/,
    );
    expect(at("platforms.drata")[0]!.message).toMatch(
      /is the key of the built-in platform Drata\. Fix: use platform: drata .* or give this definition another key/,
    );
    expect(at("platforms.no-source.source")[0]).toMatchObject({
      value: undefined,
      message: expect.stringMatching(/is required.*Fix: add source: <URL/),
    });
    expect(at("platforms.acct-user.groups[0]")[0]!.message).toMatch(
      /user-scope group, which an account-owned token cannot carry\. Fix: set owner: user/,
    );
    expect(at("connections[0].platform")[0]).toMatchObject({
      value: "acme-gcr",
      message: expect.stringMatching(/Fix: did you mean acme-grc\?/),
    });
    // A connection of a definition that has problems is not "unknown": the definition's own problems say why.
    expect(at("connections[1].platform")).toEqual([]);
    expect(problems).toHaveLength(8);
  });

  it("a write group passes validation only with allowWrite: true, and the plan shows it as it is", () => {
    const { allowWrite: _allowed, ...withoutAllowWrite } = ACME_SIEM;
    const raw = (siem: object) => ({ platforms: { "acme-siem": siem }, connections: [{ platform: "acme-siem", accounts: [ACME_CORP] }] });
    expect(problemsOf(raw(withoutAllowWrite)).map((p) => p.message)).toEqual([
      expect.stringMatching(/"Logs Write" \(account\) is not read-only/),
    ]);
    const [token] = plan(settingsFrom(raw(ACME_SIEM)), undefined, NOW);
    expect(token!.policies[0]!.permissionGroups).toEqual([
      { name: "Account Settings Read", scope: SCOPES.account },
      { name: "Logs Write", scope: SCOPES.account },
    ]);
  });

  it("a definition without groups or with several profiles and no default says what to add", () => {
    const problems = problemsOf({
      platforms: {
        empty: { displayName: "Empty", owner: "user", source: "https://x.example/" },
        several: {
          displayName: "Several",
          owner: "user",
          source: "https://x.example/",
          profiles: { a: { groups: [{ name: "Zone Read", scope: "zone" }] }, b: { groups: [{ name: "DNS Read", scope: "zone" }] } },
        },
        wrong: { ...ACME_GRC, defaultProfile: "nope" },
      },
      connections: [{ platform: "drata", accounts: [ACME_CORP], zones: "all" }],
    });
    expect(problems.map((p) => [p.path, p.message.replace(/\. Fix:.*/, "")])).toEqual([
      ["cf-compliance-tokens:platforms.empty.groups", "is required: a platform grants at least one permission group"],
      ["cf-compliance-tokens:platforms.several.defaultProfile", "is required when there are several profiles and no groups: list"],
      ["cf-compliance-tokens:platforms.wrong.defaultProfile", "is not one of its profiles"],
    ]);
  });

  it("shape errors come from the schema in the same pass: an unknown key, a bad scope, a bad platform key", () => {
    const problems = problemsOf({
      platforms: { "Acme GRC": ACME_GRC, "acme-grc": { ...ACME_GRC, groups: [{ name: "Zone Read", scope: "zones" }], color: "red" } },
      connections: [{ platform: "drata", accounts: [ACME_CORP], zones: "all" }],
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toContain("cf-compliance-tokens:platforms.acme-grc.groups[0].scope");
    expect(paths).toContain("cf-compliance-tokens:platforms.acme-grc.color");
    expect(problems.find((p) => p.path.endsWith("scope"))!.message).toMatch(/Fix: write account, zone or user/);
    expect(problems.some((p) => /is not a platform key\. Fix:/.test(p.message))).toBe(true);
  });

  it("platformSpec gives a definition back in the stack file's shape, which validates to the same definition", () => {
    const settings = settingsFrom({
      platforms: { "acme-grc": ACME_GRC },
      connections: [{ platform: "acme-grc", accounts: [ACME_CORP], zones: "all" }],
    });
    const { key, ...spec } = platformSpec(settings.platforms["acme-grc"]!);
    const again = settingsFrom({ platforms: { [key]: spec }, connections: [{ platform: key, accounts: [ACME_CORP], zones: "all" }] });
    expect(again.platforms["acme-grc"]).toEqual(settings.platforms["acme-grc"]);
  });
});
