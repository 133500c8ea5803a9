import { describe, expect, it, onTestFinished } from "vitest";
import { probesFor, type EndpointPermission } from "../../src/cloudflare/endpoint-permissions";
import { PLATFORMS } from "../../src/platforms";
import { IDS, SandboxClient, accountKey, userGroup, userKey, zoneGroup, zoneKey } from "../helpers/sandbox-client";
import { SCOPES, describeGroup, groupKey, type PermissionGroupRef } from "../../src/domain/permission-group";
import { useSandbox } from "../helpers/sandbox";

const sandbox = useSandbox();
const client = new SandboxClient(sandbox);

/** Every group any platform profile asks for, once. */
function catalogGroups(): PermissionGroupRef[] {
  const groups = new Map<string, PermissionGroupRef>();
  for (const platform of Object.values(PLATFORMS)) {
    for (const profile of Object.values(platform.profiles)) for (const g of profile.groups) groups.set(groupKey(g), g);
  }
  return [...groups.values()];
}

interface Where {
  readonly account: string;
  readonly zone: string;
}

/** The token holds the group on `inScope`; `outOfScope` is a resource of the same kind it does not hold. */
const SCOPE_SETUP: Record<string, { resources: Record<string, string>; inScope: Where; outOfScope?: Where }> = {
  [SCOPES.account]: {
    resources: { [accountKey(IDS.acmeCorp)]: "*" },
    inScope: { account: IDS.acmeCorp, zone: IDS.acmeCorpCom },
    outOfScope: { account: IDS.acmeLabs, zone: IDS.acmeLabsDev },
  },
  // Same account on both sides: a zone grant must not leak to the account's other zones.
  [SCOPES.zone]: {
    resources: { [zoneKey(IDS.acmeCorpCom)]: "*" },
    inScope: { account: IDS.acmeCorp, zone: IDS.acmeCorpCom },
    outOfScope: { account: IDS.acmeCorp, zone: IDS.acmePayments },
  },
  // There is no other user to point at: a user-scope group can only ever name the token's own user.
  [SCOPES.user]: { resources: { [userKey(IDS.user)]: "*" }, inScope: { account: IDS.acmeCorp, zone: IDS.acmeCorpCom } },
};

const FIXTURE_RULE_ID = () => sandbox.fixture.accounts[0]!.firewall_access_rules[0]!.id;

function probePath(probe: EndpointPermission, where: Where): string {
  // A token scoped to specific zones cannot list zones (zoneListing=refuse); it finds a zone it holds by name.
  if (probe.path === "/zones") return `/zones?name=${sandbox.fixture.zones.find((z) => z.id === where.zone)!.name}`;
  return probe.path
    .replace("{account_id}", where.account)
    .replace("{zone_id}", where.zone)
    .replace("{rule_id}", FIXTURE_RULE_ID())
    .replace("{setting_id}", "always_online")
    .replace("{ruleset_phase}", "http_request_firewall_managed");
}

const groups = catalogGroups().filter((g) => probesFor(g).length > 0);

describe("authorization matrix: each catalog group × its best probe × in-scope / out-of-scope", () => {
  it("every group a platform's default profile lists by name has a probe, but for the two no endpoint of the reference names", () => {
    // Neither group is in the x-api-token-group of any endpoint in the reference OpenAPI subset or
    // probe-endpoints.md: verify reports them under probe:unprobed and the exactness check proves them.
    const withoutEvidence = new Set(["Zero Trust Read", "Zone DNS Settings Read"]);
    const unprobed: string[] = [];
    for (const platform of Object.values(PLATFORMS)) {
      const profile = platform.profiles[platform.defaultProfile]!;
      // A vendor-recommended template (Scytale's, Iru's "Read all resources") is every Read group: most have no probe.
      if (profile.template) continue;
      for (const g of profile.groups) if (probesFor(g).length === 0) unprobed.push(`${platform.key}: ${describeGroup(g)}`);
    }
    expect(unprobed.filter((u) => ![...withoutEvidence].some((name) => u.includes(`"${name}"`)))).toEqual([]);
    expect(unprobed.sort()).toEqual([
      'oneleet: "Zone DNS Settings Read" (com.cloudflare.api.account.zone)',
      'trelica: "Zero Trust Read" (com.cloudflare.api.account)',
    ]);
  });

  it.each(groups.map((g) => [describeGroup(g), g] as const))("%s", async (_label, group) => {
    const probe = probesFor(group)[0]!;
    const setup = SCOPE_SETUP[group.scope]!;
    const { id, value } = await client.createToken({
      name: `matrix ${group.name}`,
      policies: [{ groups: [group], resources: setup.resources }],
    });
    // Cloudflare allows a user 50 tokens; the matrix makes one per group, so each case cleans up.
    onTestFinished(async () => void (await client.call("DELETE", `/user/tokens/${id}`, sandbox.provisionerToken)));

    const allowed = await client.get(probePath(probe, setup.inScope), value);
    expect(allowed.status, `${probe.method} ${probe.path} in scope`).toBe(200);
    if (probe.path === "/zones") expect(allowed.body.result.map((z: { id: string }) => z.id)).toEqual([setup.inScope.zone]);

    if (setup.outOfScope) {
      const refused = await client.get(probePath(probe, setup.outOfScope), value);
      if (probe.path === "/zones") {
        expect(refused.body.result.map((z: { id: string }) => z.id)).not.toContain(setup.outOfScope.zone);
      } else {
        expect(refused.status, `${probe.method} ${probe.path} out of scope`).toBe(403);
        expect(refused.body.errors).toEqual([
          {
            code: 9109,
            message: "Unauthorized to access requested resource",
            // The denied endpoint's documentation (changelog 2026-08-20).
            documentation_url: expect.stringMatching(/^https:\/\/developers\.cloudflare\.com\/api\/resources\/.+\/methods\/(list|get)$/),
          },
        ]);
      }
    }
  });
});

describe("token state is enforced on API routes and reported by verify", () => {
  const sandboxNow = async () => new Date((await client.control("GET", "/clock")).now as string);
  const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
  const userDetails = { groups: [userGroup("User Details Read")], resources: { [userKey(IDS.user)]: "*" } };

  it("refuses a token before not_before, and verify says it is active with its not_before", async () => {
    const notBefore = rfc3339(new Date((await sandboxNow()).getTime() + 3_600_000));
    const { id, value } = await client.createToken({ policies: [userDetails], not_before: notBefore });
    const refused = await client.get("/user", value);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0]).toMatchObject({ code: 1000 });
    expect(refused.body.errors[0].message).toContain(`not valid before ${notBefore}`);
    const verified = await client.get("/user/tokens/verify", value);
    expect(verified.body.result).toEqual({ id, status: "active", not_before: notBefore });
  });

  it("refuses a disabled token; verify reports disabled without the 'valid and active' message", async () => {
    const { id, value } = await client.createToken({ policies: [userDetails] });
    const body = {
      name: "disabled",
      status: "disabled",
      policies: [
        {
          effect: "allow",
          resources: userDetails.resources,
          permission_groups: [{ id: (await client.get(`/user/tokens/${id}`)).body.result.policies[0].permission_groups[0].id }],
        },
      ],
    };
    expect((await client.call("PUT", `/user/tokens/${id}`, sandbox.provisionerToken, body)).status).toBe(200);
    expect((await client.get("/user", value)).body.errors[0]).toMatchObject({ code: 1000 });
    const verified = await client.get("/user/tokens/verify", value);
    expect(verified.status).toBe(200);
    expect(verified.body.result.status).toBe("disabled");
    expect(verified.body.messages).toEqual([]);

    expect((await client.call("PUT", `/user/tokens/${id}`, sandbox.provisionerToken, { ...body, status: "active" })).status).toBe(200);
    expect((await client.get("/user", value)).status).toBe(200);
  });

  it("honours condition.request_ip (in / not_in) against the client address", async () => {
    const outside = await client.createToken({ policies: [userDetails], condition: { request_ip: { in: ["10.0.0.0/8"] } } });
    const refused = await client.get("/user", outside.value);
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([{ code: 9109, message: "Cannot use the access token from location: 127.0.0.1" }]);

    const excluded = await client.createToken({ policies: [userDetails], condition: { request_ip: { not_in: ["127.0.0.0/8"] } } });
    expect((await client.get("/user/tokens/verify", excluded.value)).status).toBe(403);

    const inside = await client.createToken({
      policies: [userDetails],
      condition: { "request.ip": { in: ["127.0.0.1/32", "2001:db8::/32"] } },
    });
    expect((await client.get("/user", inside.value)).status).toBe(200);
    expect((await client.get(`/user/tokens/${inside.id}`)).body.result.condition).toEqual({
      request_ip: { in: ["127.0.0.1/32", "2001:db8::/32"] },
    });
  });

  // Last: it moves the sandbox clock forward for the rest of this file.
  it("refuses an expired token once the clock passes expires_on; verify reports expired", async () => {
    const expiresOn = rfc3339(new Date((await sandboxNow()).getTime() + 86_400_000));
    const { id, value } = await client.createToken({ policies: [userDetails], expires_on: expiresOn });
    expect((await client.get("/user", value)).status).toBe(200);

    await client.advanceClock(86_400 + 1);
    const refused = await client.get("/user", value);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].message).toContain(`expired at ${expiresOn}`);
    const verified = await client.get("/user/tokens/verify", value);
    expect(verified.body.result).toEqual({ id, status: "expired", expires_on: expiresOn });
    expect((await client.get(`/user/tokens/${id}`)).body.result.status).toBe("expired");
  });

  it("a zone group granted on all zones of one account reaches none of another account's zones", async () => {
    const { value } = await client.createToken({
      policies: [
        { groups: [zoneGroup("Zone Read")], resources: { [accountKey(IDS.acmeLabs)]: { "com.cloudflare.api.account.zone.*": "*" } } },
      ],
    });
    const zones = await client.get(`/zones?per_page=50&account.id=${IDS.acmeLabs}`, value);
    expect(zones.body.result.every((z: { account: { id: string } }) => z.account.id === IDS.acmeLabs)).toBe(true);
    expect(zones.body.result_info.total_count).toBe(5);
    // Asked for the other account's zones (or all zones, which include them), it is refused the list.
    expect((await client.get(`/zones?account.id=${IDS.acmeCorp}`, value)).status).toBe(403);
    expect((await client.get("/zones", value)).status).toBe(403);
    expect((await client.get(`/zones/${IDS.acmeCorpCom}`, value)).status).toBe(403);
  });
});
