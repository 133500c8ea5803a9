import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/domain/permission-group";
import { PLATFORMS } from "../../src/platforms";
import { verifyByFlags } from "../../src/cli/verify-flags";
import {
  ACME_CORP,
  ACME_STATUS_ZONE,
  checksById,
  issueToken,
  planFor,
  rfc3339,
  sandboxNow,
  specFromPlan,
  statuses,
  verifyPlanned,
  type TokenSpec,
} from "../helpers/verify";
import { useSandbox } from "../helpers/sandbox";

/** Tokens that are alive but wrong: too little, too much, too wide, or usable only from elsewhere or later. */

const sb = useSandbox();

const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE] }]);

function withZonePolicy(spec: TokenSpec, change: (policy: TokenSpec["policies"][number]) => TokenSpec["policies"][number]): TokenSpec {
  return { ...spec, policies: spec.policies.map((p) => (p.groups[0]!.scope === SCOPES.zone ? change(p) : p)) };
}

describe("groups", () => {
  it("one group missing: exactness and its probe both name it", async () => {
    const { value } = await issueToken(
      sb,
      withZonePolicy(specFromPlan(sb, drata!), (p) => ({ ...p, groups: p.groups.filter((g) => g.name !== "Zone WAF Read") })),
    );
    const report = await verifyPlanned(sb, drata!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks["exactness:groups"]).toMatchObject({
      status: "fail",
      detail: 'missing "Zone WAF Read" (com.cloudflare.api.account.zone)',
      remedy: 'Add "Zone WAF Read" (com.cloudflare.api.account.zone) to the token (pulumi up --stack test restores the planned groups).',
    });
    expect(checks["probe:Zone WAF Read"]!.status).toBe("fail");
    expect(checks["probe:Zone WAF Read"]!.detail).toMatch(
      /answered HTTP 403: 9109 Unauthorized to access requested resource on zone acme-[a-z]+\.com: the token lacks "Zone WAF Read"/,
    );
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["exactness:groups", "probe:Zone WAF Read"]);
  });

  it("an extra Write group is a failure that names it, even though every probe passes", async () => {
    const { value } = await issueToken(
      sb,
      withZonePolicy(specFromPlan(sb, drata!), (p) => ({
        ...p,
        groups: [...p.groups, { name: "Zone Settings Write", scope: SCOPES.zone }],
      })),
    );
    const report = await verifyPlanned(sb, drata!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks["exactness:groups"]).toMatchObject({
      status: "fail",
      detail: 'extra non-read group(s) "Zone Settings Write" (com.cloudflare.api.account.zone): the platform needs read-only access',
      remedy: 'Remove "Zone Settings Write" (com.cloudflare.api.account.zone) from the token (pulumi up --stack test).',
    });
    expect(report.checks.filter((c) => c.id.startsWith("probe:")).every((c) => c.status === "pass")).toBe(true);
  });

  it("an extra Read group warns by default and fails with extraReadGroups: fail", async () => {
    const { value } = await issueToken(
      sb,
      withZonePolicy(specFromPlan(sb, drata!), (p) => ({ ...p, groups: [...p.groups, { name: "DNS Read", scope: SCOPES.zone }] })),
    );
    const warn = await verifyPlanned(sb, drata!, value);
    expect(warn.ok).toBe(true);
    expect(checksById(warn)["exactness:groups"]).toMatchObject({
      status: "warn",
      detail: 'extra read group(s) "DNS Read" (com.cloudflare.api.account.zone) that drata/guide does not need',
    });
    const fail = await verifyPlanned(sb, drata!, value, { extraReadGroups: "fail" });
    expect(fail.ok).toBe(false);
    expect(checksById(fail)["exactness:groups"]!.status).toBe("fail");
  });
});

describe("resources", () => {
  it('"All zones" where two zones were chosen fails in exactness and coverage, naming the extra zones', async () => {
    const { value } = await issueToken(
      sb,
      withZonePolicy(specFromPlan(sb, drata!), (p) => ({
        ...p,
        resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: { "com.cloudflare.api.account.zone.*": "*" } },
      })),
    );
    const report = await verifyPlanned(sb, drata!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks["exactness:resources"]).toMatchObject({
      status: "fail",
      detail: `wider than planned: all zones of account ${ACME_CORP} ("All zones" where 2 zone(s) were chosen) for 5 groups`,
    });
    expect(checks["exactness:resources"]!.remedy).toContain("limit it to the chosen accounts and zones");
    expect(checks.coverage).toMatchObject({
      status: "fail",
      detail:
        "the token also sees 5 zone(s) that were not chosen: acme-careers.com, acme-cdn.net, acme-corp.net, acme-docs.io, acme-payments.com",
      remedy: 'Limit the token\'s zone resources to the chosen zones ("Specific zones", not "All zones").',
    });
  });
});

describe("when and where the token works", () => {
  it("a token whose IP filter refuses this machine although the plan has none: liveness fails, naming the address and the fix", async () => {
    const [unfiltered] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: [ACME_STATUS_ZONE] }]);
    const { value } = await issueToken(sb, { ...specFromPlan(sb, unfiltered!), allowedIps: ["203.0.113.0/24"] });
    const report = await verifyPlanned(sb, unfiltered!, value);
    const liveness = checksById(report).liveness!;
    expect(liveness.status).toBe("fail");
    expect(liveness.detail).toBe(
      "GET /user/tokens/verify answered HTTP 403: 9109 Cannot use the access token from location: 127.0.0.1: the token has a client-IP filter that refuses this machine's address 127.0.0.1",
    );
    expect(liveness.remedy).toContain("add this address to token.allowedIps");
    expect(statuses(report)).toMatchObject({ exactness: "skip", probes: "skip", coverage: "skip" });
  });

  it("a token kept out by its planned IP filter (prod: only the platform's egress) warns, and exactness still runs when its ID is known", async () => {
    const [filtered] = planFor([
      { platform: "drata", accounts: [ACME_CORP], zones: [ACME_STATUS_ZONE], token: { allowedIps: ["203.0.113.0/24"] } },
    ]);
    const { id, value } = await issueToken(sb, specFromPlan(sb, filtered!));
    const blind = await verifyPlanned(sb, filtered!, value);
    expect(checksById(blind).liveness).toMatchObject({
      status: "warn",
      detail:
        "GET /user/tokens/verify: the token refuses this machine (127.0.0.1) as its planned client-IP filter says it should (allow 203.0.113.0/24; deny none), so it cannot be used from here",
    });
    expect(checksById(blind).exactness!.detail).toMatch(/its ID is unknown/);
    expect(blind.ok).toBe(true);

    const known = await verifyPlanned(sb, filtered!, value, { tokenId: id });
    expect(known.ok).toBe(true);
    expect(checksById(known)["exactness:groups"]!.status).toBe("pass");
    expect(checksById(known)["exactness:ip-filter"]!.status).toBe("pass");
    expect(statuses(known)).toMatchObject({ probes: "skip", coverage: "skip" });
  });

  it("a planned IP filter the token lacks fails exactness; the token carrying it passes", async () => {
    const [filtered] = planFor([
      { platform: "drata", accounts: [ACME_CORP], zones: [ACME_STATUS_ZONE], token: { allowedIps: ["127.0.0.1/32"] } },
    ]);
    const spec = specFromPlan(sb, filtered!);
    const without = await issueToken(sb, { ...spec, allowedIps: undefined });
    const missing = checksById(await verifyPlanned(sb, filtered!, without.value))["exactness:ip-filter"]!;
    expect(missing).toMatchObject({
      status: "fail",
      detail: "the planned client-IP filter is absent (planned: allow 127.0.0.1/32; deny none)",
    });
    const withFilter = await issueToken(sb, spec);
    const report = await verifyPlanned(sb, filtered!, withFilter.value);
    expect(report.ok).toBe(true);
    expect(checksById(report)["exactness:ip-filter"]!.detail).toBe("client-IP filter as planned (allow 127.0.0.1/32; deny none)");
  });

  it("a not-yet-valid token fails liveness with its start time", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const start = rfc3339(new Date((await sandboxNow(sb)).getTime() + 3 * 86_400_000));
    const { value } = await issueToken(sb, { ...specFromPlan(sb, ascera!), notBefore: start });
    const liveness = checksById(await verifyPlanned(sb, ascera!, value)).liveness!;
    expect(liveness).toMatchObject({
      status: "fail",
      detail: `the token is not valid before ${start} (not_before is in the future)`,
      remedy: `Wait until ${start}, or reissue it without a start date: cfct rotate --stack test.`,
    });
  });

  it("a token that never expires: liveness warns, exactness fails", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const { value } = await issueToken(sb, { ...specFromPlan(sb, ascera!), expiresOn: null });
    const report = await verifyPlanned(sb, ascera!, value);
    expect(checksById(report).liveness!.status).toBe("warn");
    expect(checksById(report)["exactness:expiry"]).toMatchObject({
      status: "fail",
      detail: "the token never expires; the plan gives it an expiry",
    });
  });

  it("a user-owned token given to ASCERA, which needs an account-owned one, is recognised", async () => {
    const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const { value } = await issueToken(sb, {
      owner: { kind: "user" },
      policies: [{ groups: ascera!.policies[0]!.permissionGroups, resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" } }],
    });
    const report = await verifyByFlags(
      { platform: PLATFORMS.ascera!, accounts: [ACME_CORP] },
      { token: value },
      { clients: { apiBase: sb.baseUrl } },
    );
    expect(checksById(report).liveness!.detail).toContain(
      `but /user/tokens/verify accepts it: this is a user-owned token, and ASCERA needs one owned by account ${ACME_CORP}`,
    );
    expect(checksById(report).liveness!.remedy).toContain("Manage Account > Account API Tokens");
  });

  it("a value with a line break in it is refused before anything is sent", async () => {
    const report = await verifyByFlags(
      { platform: PLATFORMS.ascera!, accounts: [ACME_CORP] },
      { token: "cfsbx_abcdefghijklmnopqrstuvwxyz0123456789ABCD\n" },
      { clients: { apiBase: sb.baseUrl } },
    );
    expect(checksById(report).liveness!.detail).toBe(
      "the token value contains whitespace or a line break: it was not copied cleanly (nothing was sent)",
    );
    expect(report.apiCalls).toBe(1); // the anonymous endpoint check only
  });
});
