import {
  ACME_CORP,
  ACME_STATUS_ZONE,
  checksById,
  control,
  issueToken,
  planFor,
  provisionerClient,
  rfc3339,
  sandboxNow,
  specFromPlan,
  verifyPlanned,
} from "../helpers/verify";
import { matrixRows } from "../helpers/behaviour-matrix";
import { SCOPES } from "../../src/domain/permission-group";
import { describe, expect, it } from "vitest";
import { startSandbox } from "../../src/sandbox";
import { RateBudgets } from "../../src/cloudflare/pacing";
import { useSandbox } from "../helpers/sandbox";

// The core of the verify suites (healthy tokens, a missing group, the wrong owner kind both ways, an
// exposed token, a spent rate limit, an expired token found by listing) under each row of the
// behaviour matrix, one sandbox per row.

const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", "acme-payments.com", ACME_STATUS_ZONE] }]);
const failing = (checks: readonly { id: string; status: string }[]) => checks.filter((c) => c.status === "fail").map((c) => c.id);

describe.each(matrixRows())("verify under $label", ({ behaviours }) => {
  const sb = useSandbox({ behaviours });

  it("a healthy zone-scoped Drata token and a healthy account-owned ASCERA token pass", async () => {
    for (const plan of [drata!, ascera!]) {
      const { value } = await issueToken(sb, specFromPlan(sb, plan));
      const report = await verifyPlanned(sb, plan, value);
      expect(failing(report.checks)).toEqual([]);
      expect(report.ok).toBe(true);
    }
  });

  it('a missing "Zone WAF Read" is named by its probe (a 403, whatever its code) and by exactness', async () => {
    const spec = specFromPlan(sb, drata!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: spec.policies.map((p) => ({ ...p, groups: p.groups.filter((g) => g.name !== "Zone WAF Read") })),
    });
    const checks = checksById(await verifyPlanned(sb, drata!, value));
    expect(checks["probe:Zone WAF Read"]).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/HTTP 403: .*the token lacks "Zone WAF Read"/),
    });
    expect(checks["exactness:groups"]!.detail).toContain('missing "Zone WAF Read"');
  });

  it("a user-owned token given for an account-owned plan is recognised, whether Cloudflare answers 401 or 403", async () => {
    const { value } = await issueToken(sb, { ...specFromPlan(sb, ascera!), owner: { kind: "user" } });
    const liveness = checksById(await verifyPlanned(sb, ascera!, value)).liveness!;
    expect(liveness.status).toBe("fail");
    // A value of Cloudflare's shape (tokenValueFormat=cloudflare) is told by its cfut_ prefix before anything is sent.
    expect(liveness.detail).toMatch(
      /answered HTTP 40[13]: 1000 Invalid API Token, but \/user\/tokens\/verify accepts it: this is a user-owned token|^the value starts with "cfut_": this is a user-owned token, and ASCERA needs one owned by account/,
    );
  });

  it("an account-owned token given for a user-owned plan (Drata) is recognised too", async () => {
    const spec = specFromPlan(sb, drata!);
    const withoutUserGroups = spec.policies.filter((p) => p.groups.every((g) => g.scope !== SCOPES.user));
    const { value } = await issueToken(sb, { ...spec, owner: { kind: "account", accountId: ACME_CORP }, policies: withoutUserGroups });
    const liveness = checksById(await verifyPlanned(sb, drata!, value)).liveness!;
    expect(liveness.status).toBe("fail");
    expect(liveness.detail).toMatch(
      new RegExp(
        `answered HTTP 40[13]: 1000 Invalid API Token, but /accounts/${ACME_CORP}/tokens/verify accepts it: this token is owned by account ${ACME_CORP}, and Drata needs a user-owned token|^the value starts with "cfat_": this is an account-owned token, and Drata needs a user-owned token`,
      ),
    );
    expect(liveness.remedy).toMatch(/My Profile > API Tokens/);
  });

  it("a token Cloudflare found exposed: liveness says so, with the remedy", async () => {
    const { id, value } = await issueToken(sb, specFromPlan(sb, ascera!));
    await control(sb, `/tokens/${id}/expose`, {});
    const liveness = checksById(await verifyPlanned(sb, ascera!, value)).liveness!;
    expect(liveness).toMatchObject({ status: "fail", detail: expect.stringContaining("its value was found exposed") });
    expect(liveness.remedy).toMatch(
      /Treat the value as public\. Issue a new token now with cfct rotate --stack test .*find where the value leaked/,
    );
  });

  it("a budget spent for longer than verify waits (--rate-budget 3/300): the request is not sent, and the check says how long to wait", async () => {
    // Cloudflare's limit (the sandbox's) is 4; the budget cfct is given is 3, so its own count stops it first.
    const budget = { requests: 3, windowSeconds: 300 };
    const small = await startSandbox({ behaviours, rateLimit: { requests: 4, windowSeconds: 300 } });
    try {
      const { value } = await issueToken(small, specFromPlan(small, ascera!));
      const report = await verifyPlanned(small, ascera!, value, { budgets: new RateBudgets(undefined, budget) });
      expect(report.ok).toBe(false);
      // cfct counts its own requests, so the one that would be refused is not sent, whatever the headers say.
      const limited = report.checks.filter((c) =>
        /not sent: .*rate-limit budget is spent for the next \d+ s \(counted by cfct: 3 requests per 300 s\)/.test(c.detail),
      );
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]!.remedy).toMatch(/^Wait \d+ seconds/);
      expect((await control(small, "/stats")).refusedByPrincipal).toEqual({});
    } finally {
      await small.close();
    }
  });

  // Last: it moves the sandbox clock.
  it("an old value of a token that has since expired: the provisioner finds the token among expired ones", async () => {
    const [expiring] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }], "expiring");
    const now = await sandboxNow(sb);
    const { id, value } = await issueToken(sb, {
      ...specFromPlan(sb, expiring!),
      expiresOn: rfc3339(new Date(now.getTime() + 86_400_000)),
    });
    // The platform still holds the value from before a roll; then the token expires.
    await provisionerClient(sb).request("PUT", `/accounts/${ACME_CORP}/tokens/${id}/value`, {});
    await control(sb, "/clock", { advanceSeconds: 2 * 86_400 });
    const liveness = checksById(await verifyPlanned(sb, expiring!, value, { stack: "expiring" })).liveness!;
    expect(liveness).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/token "cfct expiring ascera-417daa9d g1" expired on \d{4}-/),
    });
  });
});
