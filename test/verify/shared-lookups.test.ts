import { describe, expect, it } from "vitest";
import { sandboxGroupId } from "../../src/sandbox";
import { VerifyMemo } from "../../src/verify";
import { SCOPES } from "../../src/domain/permission-group";
import { useSandbox } from "../helpers/sandbox";
import { ACME_CORP, checksById, control, issueToken, planFor, specFromPlan, verifyPlanned } from "../helpers/verify";

// What verification asks of Cloudflare once per command instead of once per token (issue 18, item 2),
// and what one read of the token tells it besides exactness.

const sb = useSandbox();
const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
const deployedGroups = ascera!.policies.flatMap((p) => p.permissionGroups.map((g) => ({ ...g, id: sandboxGroupId(g) })));
const routes = async () => ((await control(sb, "/stats")) as { byRoute: Record<string, number> }).byRoute;
const resetStats = () => control(sb, "/stats/reset", {});

describe("one command's verifications share their lookups", () => {
  it("the endpoint is probed once, and each owner's permission-group list read once, for all the command's tokens", async () => {
    const memo = new VerifyMemo();
    const values = [(await issueToken(sb, specFromPlan(sb, ascera!))).value, (await issueToken(sb, specFromPlan(sb, ascera!))).value];
    await resetStats();
    const [first, second] = [
      await verifyPlanned(sb, ascera!, values[0]!, { memo }),
      await verifyPlanned(sb, ascera!, values[1]!, { memo }),
    ];
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect([first.apiCalls, second.apiCalls]).toEqual([7, 5]);
    expect(checksById(second).endpoint!.detail).toMatch(/answers like Cloudflare's v4 API .*\(probed once for this command\)$/);
    expect(await routes()).toMatchObject({ "GET /user/tokens/verify": 1, "GET /accounts/{account_id}/tokens/permission_groups": 1 });
  });

  it("a deployed token's group IDs are named by the IDs the deploy resolved: no group list is read", async () => {
    const { value } = await issueToken(sb, specFromPlan(sb, ascera!));
    await resetStats();
    const report = await verifyPlanned(sb, ascera!, value, { deployedGroups });
    expect(report.ok).toBe(true);
    expect(report.apiCalls).toBe(6);
    expect(checksById(report)["exactness:groups"]!.detail).toMatch(
      /^exactly the 3 planned permission group\(s\).*, by the IDs the deploy resolved from Cloudflare's list$/,
    );
    expect((await routes())["GET /accounts/{account_id}/tokens/permission_groups"]).toBeUndefined();
  });

  it("a token holding an ID the deploy did not resolve (a group added by hand): the list is read, and the extra group is named", async () => {
    const spec = specFromPlan(sb, ascera!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: [
        ...spec.policies,
        {
          groups: [{ name: "DNS Read", scope: SCOPES.zone }],
          resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: { "com.cloudflare.api.account.zone.*": "*" } },
        },
      ],
    });
    await resetStats();
    const report = await verifyPlanned(sb, ascera!, value, { deployedGroups });
    expect(checksById(report)["exactness:groups"]).toMatchObject({
      status: "warn",
      detail: expect.stringContaining('extra read group(s) "DNS Read"'),
    });
    expect((await routes())["GET /accounts/{account_id}/tokens/permission_groups"]).toBe(1);
  });
});

describe("a profile that reads no zones is read back after the probes", () => {
  it("so coverage needs no zone call, and the report carries Cloudflare's last_used_on after verify's own use", async () => {
    const { id, value } = await issueToken(sb, specFromPlan(sb, ascera!));
    await resetStats();
    const report = await verifyPlanned(sb, ascera!, value, { deployedGroups });
    expect(checksById(report).coverage!.detail).toBe(
      "ascera/least-privilege reads no zones, and the token's policies (read back) grant none",
    );
    expect((await routes())["GET /zones"]).toBeUndefined();
    const token = ((await control(sb, "/tokens")) as { tokens: { id: string; last_used_on: string | null }[] }).tokens.find(
      (t) => t.id === id,
    )!;
    expect(token.last_used_on).not.toBeNull();
    expect(report.lastUsedOn).toBe(token.last_used_on);
    // The checks read as before: exactness, then the probes, then coverage.
    expect(report.checks.map((c) => c.id.split(":")[0])).toEqual([
      "endpoint",
      "liveness",
      "exactness",
      "exactness",
      "exactness",
      "exactness",
      "probe",
      "probe",
      "probe",
      "coverage",
    ]);
  });

  it("a profile that reads zones is read back before coverage, and leaves last_used_on to be read after", async () => {
    const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }]);
    const { value } = await issueToken(sb, specFromPlan(sb, drata!));
    const report = await verifyPlanned(sb, drata!, value);
    expect(report.ok).toBe(true);
    expect(report.lastUsedOn).toBeUndefined();
  });
});
