import { describe, expect, it } from "vitest";
import type { LivePermissionGroup, TokenDetails } from "../../src/cloudflare/client";
import { redact } from "../../src/cloudflare/http";
import { inspectBaseUrl } from "../../src/verify/endpoint";
import { resourceAtoms } from "../../src/verify/atoms";
import { compareTokenWithPlan } from "../../src/verify/exactness";
import type { ExactnessExpectation } from "../../src/verify/types";
import { PLATFORMS } from "../../src/platforms";
import { envTokenSource, envVarFor, renderReport, reportJson, type VerifyReport } from "../../src/verify";
import { UsageError } from "../../src/cli/errors";
import { verifyByFlags } from "../../src/cli/verify-flags";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE, planFor } from "../helpers/verify";
import { SCOPES } from "../../src/domain/permission-group";

/** Pure parts of the verifier: no sandbox, no network. */

describe("base URL inspection (no request is sent)", () => {
  it("accepts Cloudflare's base URL, with or without a trailing slash, and a loopback sandbox", () => {
    expect(inspectBaseUrl("https://api.cloudflare.com/client/v4")).toBeUndefined();
    expect(inspectBaseUrl("https://api.cloudflare.com/client/v4/")).toBeUndefined();
    expect(inspectBaseUrl("http://127.0.0.1:8787/client/v4")).toBeUndefined();
  });

  it.each([
    ["https://api.cloudflare.com/client/v3", /version v3/],
    [`https://api.cloudflare.com/client/v4/accounts/${ACME_CORP}`, /Account ID \(417daa9d\w+ \(one of the accounts you chose\)\)/],
    [`https://api.cloudflare.com/client/v4/${ACME_CORP}`, /contains an Account ID/],
    ["https://api.cloudflare.com/client/v4/zones", /continues after \/client\/v4/],
    ["https://api.cloudflare.com/", /no \/client\/v4 path/],
    ["http://api.cloudflare.com/client/v4", /unencrypted/],
    ["api.cloudflare.com/client/v4", /not an absolute URL/],
    ["https://user:pw@api.cloudflare.com/client/v4", /carries credentials/],
  ])("%s fails with the correct base URL as remedy", (url, detail) => {
    const result = inspectBaseUrl(url, [ACME_CORP]);
    expect(result?.usable).toBe(false);
    expect(result?.check.status).toBe("fail");
    expect(result?.check.detail).toMatch(detail);
    expect(result?.check.remedy).toContain("https://api.cloudflare.com/client/v4");
  });

  it("an Account ID in the URL gets the ASCERA remedy: it belongs in the lookup list's Accounts field", () => {
    expect(inspectBaseUrl(`https://api.cloudflare.com/client/v4/accounts/${ACME_CORP}`)?.check.remedy).toMatch(
      /Account ID goes into the lookup list's Accounts field, not the base URL/,
    );
  });
});

describe("resource atoms", () => {
  it("normalises flat, nested and wildcard resources", () => {
    expect(
      resourceAtoms({
        [`com.cloudflare.api.account.${ACME_CORP}`]: { "com.cloudflare.api.account.zone.*": "*" },
        [`com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}`]: "*",
        "com.cloudflare.api.account.zone.*": "*",
        "com.cloudflare.api.account.*": "*",
        "com.cloudflare.api.user.8ec917c52e6b1d94920f1e3ec8d5ae82": "*",
        "com.cloudflare.api.account.zone.<example.com>": "*",
      }),
    ).toEqual([
      { kind: "account-zones", account: ACME_CORP },
      { kind: "zone", id: ACME_STATUS_ZONE },
      { kind: "all-zones" },
      { kind: "all-accounts" },
      { kind: "user" },
      { kind: "zone-name", name: "example.com" },
    ]);
  });
});

describe("exactness comparison", () => {
  const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE] }]);
  const corpCom = "576e2aa970f9f4e230116c7c1d498a24";
  const groups: LivePermissionGroup[] = [];
  const idOf = (name: string, scope: string) => {
    let group = groups.find((g) => g.name === name && g.scopes[0] === scope);
    if (!group) groups.push((group = { id: `g${groups.length}`, name, scopes: [scope] }));
    return { id: group.id };
  };
  const expectation: ExactnessExpectation = {
    plan: drata!,
    zoneIdsByName: new Map([["acme-corp.com", corpCom]]),
    zoneNamesById: new Map([
      [corpCom, "acme-corp.com"],
      [ACME_STATUS_ZONE, "acme-status.com"],
    ]),
    zonesUnspecified: false,
    plannedExpiryKnown: false,
    extraRead: "warn",
  };
  const zoneResources = {
    [`com.cloudflare.api.account.zone.${corpCom}`]: "*",
    [`com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}`]: "*",
  };
  const tokenWith = (
    mutate: (
      policies: { effect: "allow" | "deny"; permission_groups: { id: string }[]; resources: Record<string, unknown> }[],
    ) => void = () => {},
    extra: Partial<TokenDetails> = {},
  ): TokenDetails => {
    const policies = drata!.policies.map((p) => ({
      effect: p.effect,
      permission_groups: p.permissionGroups.map((g) => idOf(g.name, g.scope)),
      resources:
        p.permissionGroups[0]!.scope === SCOPES.zone
          ? { ...zoneResources }
          : p.permissionGroups[0]!.scope === SCOPES.user
            ? { "com.cloudflare.api.user.8ec917c52e6b1d94920f1e3ec8d5ae82": "*" }
            : { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" },
    }));
    mutate(policies);
    return { id: "t", expires_on: "2030-01-01T00:00:00Z", policies: policies as unknown as TokenDetails["policies"], ...extra };
  };
  const byId = (checks: ReturnType<typeof compareTokenWithPlan>) => Object.fromEntries(checks.map((c) => [c.id, c]));

  it("an exact token passes all four checks", () => {
    const checks = byId(compareTokenWithPlan(tokenWith(), groups, expectation));
    expect(Object.values(checks).map((c) => c.status)).toEqual(["pass", "pass", "pass", "pass"]);
  });

  it("a missing group, an extra Write group and an extra Read group are named", () => {
    const token = tokenWith((policies) => {
      policies[1]!.permission_groups = policies[1]!.permission_groups.slice(1); // drop the first zone group
      policies[1]!.permission_groups.push(idOf("Zone Settings Write", SCOPES.zone), idOf("DNS Read", SCOPES.zone));
    });
    const groupsCheck = byId(compareTokenWithPlan(token, groups, expectation))["exactness:groups"]!;
    expect(groupsCheck.status).toBe("fail");
    expect(groupsCheck.detail).toContain('missing "Access: Apps and Policies Read" (com.cloudflare.api.account.zone)');
    expect(groupsCheck.detail).toContain('extra non-read group(s) "Zone Settings Write"');
    expect(groupsCheck.detail).toContain('extra read group(s) "DNS Read"');
    expect(groupsCheck.remedy).toMatch(/Remove "Zone Settings Write"/);
  });

  it("an extra Read group alone is a warning, or a failure when asked", () => {
    const token = tokenWith((policies) => policies[1]!.permission_groups.push(idOf("DNS Read", SCOPES.zone)));
    expect(byId(compareTokenWithPlan(token, groups, expectation))["exactness:groups"]!.status).toBe("warn");
    expect(byId(compareTokenWithPlan(token, groups, { ...expectation, extraRead: "fail" }))["exactness:groups"]!.status).toBe("fail");
  });

  it('"All zones" and another account are wider than planned; a missing zone is named', () => {
    const token = tokenWith((policies) => {
      policies[1]!.resources = { [`com.cloudflare.api.account.${ACME_CORP}`]: { "com.cloudflare.api.account.zone.*": "*" } };
      policies[0]!.resources = { [`com.cloudflare.api.account.${ACME_CORP}`]: "*", [`com.cloudflare.api.account.${ACME_LABS}`]: "*" };
    });
    const resources = byId(compareTokenWithPlan(token, groups, expectation))["exactness:resources"]!;
    expect(resources.status).toBe("fail");
    expect(resources.detail).toContain(`all zones of account ${ACME_CORP} ("All zones" where 2 zone(s) were chosen)`);
    expect(resources.detail).toContain(`account ${ACME_LABS}, which was not chosen`);
    expect(resources.detail).not.toContain("missing");

    const narrow = tokenWith((policies) => (policies[1]!.resources = { [`com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}`]: "*" }));
    const narrowCheck = byId(compareTokenWithPlan(narrow, groups, expectation))["exactness:resources"]!;
    expect(narrowCheck.detail).toBe("missing zone acme-corp.com for 5 groups");
    expect(narrowCheck.remedy).toContain("Add zone acme-corp.com to the token's resources");
  });

  it("no expiry fails; an IP filter planned but absent fails", () => {
    const planned = { ...expectation, plan: { ...drata!, allowedIps: ["203.0.113.0/24"] } };
    const checks = byId(compareTokenWithPlan(tokenWith(undefined, { expires_on: undefined }), groups, planned));
    expect(checks["exactness:expiry"]).toMatchObject({ status: "fail", detail: "the token never expires; the plan gives it an expiry" });
    expect(checks["exactness:ip-filter"]).toMatchObject({ status: "fail" });
    expect(checks["exactness:ip-filter"]!.detail).toContain("the planned client-IP filter is absent (planned: allow 203.0.113.0/24");
    const withFilter = tokenWith(undefined, { condition: { request_ip: { in: ["203.0.113.0/24"] } } });
    expect(byId(compareTokenWithPlan(withFilter, groups, planned))["exactness:ip-filter"]!.status).toBe("pass");
  });
});

describe("secrets and output shape", () => {
  it("redact removes every occurrence of every secret", () => {
    expect(redact("a SECRETVALUE1 b SECRETVALUE1 c OTHERSECRET", ["SECRETVALUE1", "OTHERSECRET", undefined])).toBe(
      "a [redacted] b [redacted] c [redacted]",
    );
  });

  it("env var names come from the token key", () => {
    expect(envVarFor("CFCT_TOKEN_", "drata")).toBe("CFCT_TOKEN_DRATA");
    expect(envVarFor("CFCT_TOKEN_", "ascera-417daa9d")).toBe("CFCT_TOKEN_ASCERA_417DAA9D");
    const [plan] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const source = envTokenSource("CFCT_TOKEN_", { CFCT_TOKEN_ASCERA_417DAA9D: "value" });
    expect(source.valueFor(plan!)).toBe("value");
    expect(source.describe(plan!)).toBe("environment variable CFCT_TOKEN_ASCERA_417DAA9D (or CFCT_TOKEN_ASCERA_417DAA9D_G1)");
  });

  it("during a rotation each generation can have its own variable, so each is checked against its own plan", () => {
    const [g1] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const g2 = { ...g1!, generation: 2 };
    const source = envTokenSource("CFCT_TOKEN_", { CFCT_TOKEN_ASCERA_417DAA9D: "old", CFCT_TOKEN_ASCERA_417DAA9D_G2: "new" });
    expect([source.valueFor(g1!), source.valueFor(g2)]).toEqual(["old", "new"]);
  });

  it("--json has exactly ok, platform, apiCalls, checks; the table puts fails first with their fix", () => {
    const report: VerifyReport = {
      ok: false,
      platform: "drata",
      tokenKey: "drata",
      tokenId: "abc",
      apiCalls: 3,
      checks: [
        { id: "endpoint", status: "pass", detail: "fine" },
        { id: "probe:Zone WAF Read", status: "fail", detail: "403", remedy: "add it" },
      ],
    };
    expect(Object.keys(reportJson(report))).toEqual(["ok", "platform", "apiCalls", "checks"]);
    const lines = renderReport(report).split("\n");
    expect(lines[0]).toBe("drata [token abc]: FAIL (1 failed), 3 API call(s)");
    expect(lines[2]).toMatch(/^ {2}FAIL +probe:Zone WAF Read +403$/);
    expect(lines[3]).toMatch(/fix: add it$/);
    expect(lines[4]).toMatch(/^ {2}pass +endpoint/);
  });
});

describe("inputs that cannot be verified are refused before any request", () => {
  const credentials = { token: "x".repeat(40) };
  const options = { clients: { apiBase: "http://127.0.0.1:9/client/v4" } };
  it.each([
    [
      { platform: PLATFORMS.ascera!, accounts: [ACME_CORP], zones: ["acme-corp.com"] },
      /--zones \["acme-corp.com"\] ascera profile least-privilege reads no zones.*Fix: drop --zones or pass --profile read-all/,
    ],
    [
      { platform: PLATFORMS.ascera!, accounts: [ACME_CORP, ACME_LABS] },
      /ASCERA tokens are account-owned, one per account: name exactly one account \(got 2\)/,
    ],
    [{ platform: PLATFORMS.drata!, accounts: ["acme"], zones: "all" as const }, /--accounts "acme" is not a Cloudflare account ID/],
    [
      { platform: PLATFORMS.drata!, accounts: [ACME_CORP], profile: "everything" },
      /drata has no profile "everything"\. Fix: use one of guide/,
    ],
  ])("%#", async (input, message) => {
    await expect(verifyByFlags(input, credentials, options)).rejects.toThrow(UsageError);
    await expect(verifyByFlags(input, credentials, options)).rejects.toThrow(message);
  });
});
