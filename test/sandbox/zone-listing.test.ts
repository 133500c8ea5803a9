import { describe, expect, it } from "vitest";
import { IDS, SandboxClient, accountGroup, accountKey, allZonesOf, zoneGroup, zoneKey, type PolicySpec } from "../helpers/sandbox-client";
import { useSandbox } from "../helpers/sandbox";

/**
 * Behaviour zoneListing (FIDELITY.md): `refuse` (default) answers GET /zones without an exact name
 * with Cloudflare's 403 to a token that does not hold all zones of an account it would list;
 * `filter` answers 200 with the zones the token holds.
 */

const ZONE_READ = zoneGroup("Zone Read");
const CORP_ZONES = 7;
const LABS_ZONES = 5;
const zoneReadOn = (resources: Record<string, unknown>): PolicySpec => ({ groups: [ZONE_READ], resources });
const zoneList = (body: any) => (body.result as { name: string }[]).map((z) => z.name);

function refusal(tokenId: string) {
  return {
    success: false,
    errors: [
      {
        code: 0,
        message: `Actor 'com.cloudflare.api.token.${tokenId}' requires permission 'com.cloudflare.api.account.zone.list' to list zones`,
        documentation_url: "https://developers.cloudflare.com/api/resources/zones/methods/list",
      },
    ],
    messages: [],
    result: null,
  };
}

describe.each(["refuse", "filter"] as const)("zoneListing=%s", (zoneListing) => {
  const sandbox = useSandbox({ behaviours: { zoneListing } });
  const api = new SandboxClient(sandbox);

  const refuses = zoneListing === "refuse";

  it("a token scoped to specific zones: refused a list (unfiltered or by account), but ?name= finds a zone it holds", async () => {
    const token = await api.createToken({ policies: [zoneReadOn({ [zoneKey(IDS.acmeCorpCom)]: "*", [zoneKey(IDS.acmeStatus)]: "*" })] });
    for (const path of [
      "/zones",
      `/zones?account.id=${IDS.acmeCorp}`,
      "/zones?name=contains:acme",
      `/zones?name=acme-corp.com&match=any&account.id=${IDS.acmeCorp}`,
    ]) {
      const answer = await api.get(path, token.value);
      if (refuses) {
        expect(answer.status, path).toBe(403);
        expect(answer.body, path).toEqual(refusal(token.id));
      } else {
        expect(answer.status, path).toBe(200);
        expect(zoneList(answer.body), path).toEqual(expect.arrayContaining(["acme-corp.com"]));
        expect(
          zoneList(answer.body).every((n) => n === "acme-corp.com" || n === "acme-status.com"),
          path,
        ).toBe(true);
      }
    }
    const byName = await api.get("/zones?name=acme-corp.com", token.value);
    expect(byName.status).toBe(200);
    expect(zoneList(byName.body)).toEqual(["acme-corp.com"]);
    // A zone it does not hold is simply not found by name.
    const other = await api.get("/zones?name=acme-docs.io", token.value);
    expect([other.status, zoneList(other.body)]).toEqual([200, []]);
    // The zone itself is readable by ID either way.
    expect((await api.get(`/zones/${IDS.acmeStatus}`, token.value)).status).toBe(200);
  });

  it("every zone of an account listed one by one is still not 'all zones of the account'", async () => {
    const ids = sandbox.fixture.zones.filter((z) => z.account_id === IDS.acmeCorp).map((z) => z.id);
    const token = await api.createToken({ policies: [zoneReadOn(Object.fromEntries(ids.map((id) => [zoneKey(id), "*"])))] });
    const answer = await api.get(`/zones?account.id=${IDS.acmeCorp}`, token.value);
    expect(answer.status).toBe(refuses ? 403 : 200);
    if (!refuses) expect(answer.body.result).toHaveLength(CORP_ZONES);
  });

  it("all zones of one account (the nested form): that account lists; an unfiltered list that would mix in another account's zones does not", async () => {
    const token = await api.createToken({
      policies: [zoneReadOn({ ...allZonesOf(IDS.acmeCorp) }), zoneReadOn({ [zoneKey(IDS.acmeLabsDev)]: "*" })],
    });
    const corp = await api.get(`/zones?account.id=${IDS.acmeCorp}&per_page=50`, token.value);
    expect(corp.status).toBe(200);
    expect(corp.body.result).toHaveLength(CORP_ZONES);
    const labs = await api.get(`/zones?account.id=${IDS.acmeLabs}`, token.value);
    expect(labs.status).toBe(refuses ? 403 : 200);
    const everything = await api.get("/zones?per_page=50", token.value);
    expect(everything.status).toBe(refuses ? 403 : 200);
    if (!refuses) expect(everything.body.result).toHaveLength(CORP_ZONES + 1);
  });

  it("wider forms imply all zones: top-level zone.*, an account wildcard nesting zone.*, all zones of every account", async () => {
    const forms = [
      { "com.cloudflare.api.account.zone.*": "*" },
      { "com.cloudflare.api.account.*": { "com.cloudflare.api.account.zone.*": "*" } },
      { ...allZonesOf(IDS.acmeCorp), ...allZonesOf(IDS.acmeLabs) },
    ];
    for (const resources of forms) {
      const token = await api.createToken({ policies: [zoneReadOn(resources)] });
      const answer = await api.get("/zones?per_page=50", token.value);
      expect(answer.status, JSON.stringify(resources)).toBe(200);
      expect(answer.body.result).toHaveLength(CORP_ZONES + LABS_ZONES);
    }
  });

  it("a deny policy that takes one zone away means the token no longer holds all zones of that account", async () => {
    const token = await api.createToken({
      policies: [
        zoneReadOn({ ...allZonesOf(IDS.acmeCorp) }),
        { effect: "deny", groups: [ZONE_READ], resources: { [zoneKey(IDS.acmePayments)]: "*" } },
      ],
    });
    const answer = await api.get(`/zones?account.id=${IDS.acmeCorp}&per_page=50`, token.value);
    expect(answer.status).toBe(refuses ? 403 : 200);
    if (!refuses) expect(answer.body.result).toHaveLength(CORP_ZONES - 1);
  });

  it("an account-owned token with all zones of its account lists unfiltered: it reaches no other account", async () => {
    const token = await api.createToken(
      {
        policies: [
          zoneReadOn({ ...allZonesOf(IDS.acmeLabs) }),
          { groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeLabs)]: "*" } },
        ],
      },
      IDS.acmeLabs,
    );
    const answer = await api.get("/zones?per_page=50", token.value);
    expect(answer.status).toBe(200);
    expect(answer.body.result).toHaveLength(LABS_ZONES);
  });

  it("the fixture's provisioner (all zones of both accounts) lists everything, as the deploy and verify need", async () => {
    const answer = await api.get("/zones?per_page=50");
    expect(answer.status).toBe(200);
    expect(answer.body.result).toHaveLength(CORP_ZONES + LABS_ZONES);
  });
});
