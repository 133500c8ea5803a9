import { describe, expect, it } from "vitest";
import { platformCatalog } from "../../src/config/schema";
import { plan as planTokens } from "../../src/plan/plan";
import { verifyPlans } from "../../src/verify";
import { verifyClients } from "../../src/cli/verify-clients";
import { ACME_GRC, ACME_LEDGER } from "../helpers/platforms";
import { useSandbox } from "../helpers/sandbox";
import { settingsFrom } from "../helpers/settings";
import { ACME_CORP, issueToken, specFromPlan } from "../helpers/verify";

const sb = useSandbox();

describe("verifyPlans (cfct verify --stack) on platforms the stack file defines", () => {
  it("verifies each planned token against its stack-defined platform: exact groups, one probe per group, coverage", async () => {
    const settings = settingsFrom({
      platforms: { "acme-grc": ACME_GRC, "acme-ledger": ACME_LEDGER },
      connections: [
        { platform: "acme-grc", accounts: [ACME_CORP], zones: "all" },
        { platform: "acme-ledger", accounts: [ACME_CORP] },
      ],
    });
    const plans = planTokens(settings);
    const values = new Map<string, string>();
    for (const plan of plans) values.set(plan.key, (await issueToken(sb, specFromPlan(sb, plan))).value);
    const results = await verifyPlans(
      plans,
      { valueFor: (plan) => values.get(plan.key), describe: (plan) => `the test's value of ${plan.key}` },
      {
        stack: "test",
        platforms: platformCatalog(settings),
        clientsFor: ({ value, owner }) =>
          verifyClients({ token: value, owner, apiBase: sb.baseUrl, provisionerToken: sb.provisionerToken }),
      },
    );
    expect(results.map((r) => [r.title, r.report.platform, r.report.ok])).toEqual([
      ["acme-grc (acme-grc/default, user-owned, generation 1)", "acme-grc", true],
      [`acme-ledger-417daa9d (acme-ledger/default, owned by account ${ACME_CORP}, generation 1)`, "acme-ledger", true],
    ]);
    const ledger = Object.fromEntries(results[1]!.report.checks.map((c) => [c.id, c.status]));
    expect(ledger).toMatchObject({
      "exactness:groups": "pass",
      "probe:Access: Audit Logs Read": "pass",
      "probe:Account Settings Read": "pass",
    });
  });
});
