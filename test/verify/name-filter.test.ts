import { describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox";
import { ACME_CORP, checksById, control, issueToken, planFor, provisionerClient, specFromPlan, verifyPlanned } from "../helpers/verify";

// tokenListNameFilter: where verify looks a token up by name (is a refused value's token deleted,
// expired or rolled?), it asks Cloudflare's list for that name instead of paging the owner's whole
// list, and still compares names itself: the filter is a search ("g1" finds "g10"), or ignored.

describe.each(["supported", "ignored"] as const)("a token found by name, tokenListNameFilter=%s", (tokenListNameFilter) => {
  const sb = useSandbox({ behaviours: { tokenListNameFilter } });

  it("a deleted token among more than a page of the owner's tokens: called deleted, though a live g10 shares its name's start", async () => {
    const [plan] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
    const spec = specFromPlan(sb, plan!);
    const { id, value } = await issueToken(sb, spec);
    await issueToken(sb, { ...spec, name: `${plan!.name}0` });
    for (let i = 0; i < 50; i += 1) await issueToken(sb, { ...spec, name: `another tool's token ${i}` });
    await provisionerClient(sb).deleteToken({ kind: "account", accountId: ACME_CORP }, id);
    await control(sb, "/stats/reset", {});

    const liveness = checksById(await verifyPlanned(sb, plan!, value)).liveness!;
    expect(liveness).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`no token named "${plan!.name}" exists any more: it was deleted`),
    });
    // One page when Cloudflare narrows the list; every page (52 tokens, 50 a page) when it does not.
    const { byRoute } = (await control(sb, "/stats")) as { byRoute: Record<string, number> };
    expect(byRoute["GET /accounts/{account_id}/tokens"]).toBe(tokenListNameFilter === "supported" ? 1 : 2);
  });
});
