import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defaultFixture,
  nonDefaultBehaviourCases,
  sandboxGroupId,
  startSandbox,
  type BehaviourOverrides,
  type Fixture,
  type RunningSandbox,
} from "../../src/sandbox";
import { IDS, SandboxClient, accountGroup, accountKey, secondsFromNow, userGroup, userKey, zoneGroup, zoneKey } from "./sandbox-client";

// Every behaviour's default and its other value, each asserted on the wire (plain fetch, exact bodies).

/** The default world, except that the provisioner's user is only "Administrator Read Only" on Acme Labs. */
function fixtureWithReadOnlyLabsMember(): Fixture {
  const fixture = defaultFixture();
  return {
    ...fixture,
    memberships: fixture.memberships.map((m) =>
      m.account_id === IDS.acmeLabs ? { ...m, roles: ["Administrator Read Only"] } : { ...m, roles: ["Administrator"] },
    ),
  };
}

const allNonDefault = Object.assign({}, ...nonDefaultBehaviourCases().map((c) => c.overrides)) as BehaviourOverrides;
const sandboxes: { defaults: SandboxClient; others: SandboxClient } = {} as never;
const running: RunningSandbox[] = [];

beforeAll(async () => {
  const fixture = fixtureWithReadOnlyLabsMember();
  const [defaults, others] = await Promise.all([startSandbox({ fixture }), startSandbox({ fixture, behaviours: allNonDefault })]);
  running.push(defaults, others);
  sandboxes.defaults = new SandboxClient(defaults);
  sandboxes.others = new SandboxClient(others);
});
afterAll(() => Promise.all(running.map((s) => s.close())));

const zoneReadOnly = { policies: [{ groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmeCorpCom)]: "*" } }] };

describe("missingPermissionCode", () => {
  it("9109 (default) or 10000 'Authentication error', always HTTP 403", async () => {
    for (const [client, code, message] of [
      [sandboxes.defaults, 9109, "Unauthorized to access requested resource"],
      [sandboxes.others, 10000, "Authentication error"],
    ] as const) {
      const token = await client.createToken(zoneReadOnly);
      const answer = await client.get("/user", token.value);
      expect(answer.status).toBe(403);
      expect(answer.body.errors).toEqual([{ code, message }]);
    }
  });
});

describe("wrongOwnerVerifyStatus", () => {
  it("an account-owned token at /user/tokens/verify: 401 with a Bearer challenge (default) or 403", async () => {
    const spec = { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeCorp)]: "*" } }] };
    const atDefault = await sandboxes.defaults.createToken(spec, IDS.acmeCorp);
    const refusedDefault = await sandboxes.defaults.get("/user/tokens/verify", atDefault.value);
    expect([
      refusedDefault.status,
      refusedDefault.body.errors[0].code,
      refusedDefault.headers.get("www-authenticate")?.startsWith("Bearer "),
    ]).toEqual([401, 1000, true]);

    const atOther = await sandboxes.others.createToken(spec, IDS.acmeCorp);
    const refusedOther = await sandboxes.others.get("/user/tokens/verify", atOther.value);
    expect([refusedOther.status, refusedOther.body.errors[0].code]).toEqual([403, 1000]);
    // A user token at another account's verify route is the same mix-up.
    const userToken = await sandboxes.others.createToken(zoneReadOnly);
    expect((await sandboxes.others.get(`/accounts/${IDS.acmeCorp}/tokens/verify`, userToken.value)).status).toBe(403);
  });
});

describe("expiredTokensInLists", () => {
  it("an expired token is listed only with include_expired=true (default), or always", async () => {
    for (const [client, listedWithout] of [
      [sandboxes.defaults, false],
      [sandboxes.others, true],
    ] as const) {
      const token = await client.createToken({ ...zoneReadOnly, name: "short-lived", expires_on: secondsFromNow(60) });
      const ids = async (query: string) => ((await client.get(`/user/tokens${query}`)).body.result as { id: string }[]).map((t) => t.id);
      expect(await ids("")).toContain(token.id);
      await client.advanceClock(120);
      expect((await ids("")).includes(token.id)).toBe(listedWithout);
      expect(await ids("?include_expired=true")).toContain(token.id);
      expect((await client.get(`/user/tokens/${token.id}`)).body.result.status).toBe("expired");
    }
  });
});

describe("tokenListNameFilter", () => {
  it("?name= keeps the tokens whose name contains it, any case (default), or is ignored", async () => {
    for (const [client, narrowed] of [
      [sandboxes.defaults, true],
      [sandboxes.others, false],
    ] as const) {
      const [g1, g10] = [
        await client.createToken({ ...zoneReadOnly, name: "cfct prod drata g1" }),
        await client.createToken({ ...zoneReadOnly, name: "cfct prod drata g10" }),
      ];
      const other = await client.createToken({ ...zoneReadOnly, name: "cfct prod ascera g1" });
      const ids = ((await client.get("/user/tokens?name=CFCT%20PROD%20DRATA%20G1")).body.result as { id: string }[]).map((t) => t.id);
      // A search, not an exact match: "g1" finds "g10" too, so clients compare names themselves.
      expect(ids).toEqual(expect.arrayContaining([g1.id, g10.id]));
      expect(ids.includes(other.id)).toBe(!narrowed);
    }
  });
});

describe("policyReadBackOrder", () => {
  it("read back: policies in another order and groups sorted by ID (default), or as written", async () => {
    const groups = [zoneGroup("Zone Read"), zoneGroup("DNS Read"), zoneGroup("Zone Settings Read")];
    const written = [...groups].sort((a, b) => (sandboxGroupId(a) < sandboxGroupId(b) ? 1 : -1)); // descending ID: never the sorted order
    const spec = {
      policies: [
        { groups: written, resources: { [zoneKey(IDS.acmeCorpCom)]: "*" } },
        { groups: [userGroup("User Details Read")], resources: { [userKey(IDS.user)]: "*" } },
      ],
    };
    const shape = (result: { policies: { permission_groups: { id: string }[] }[] }) =>
      result.policies.map((p) => p.permission_groups.map((g) => g.id));
    const writtenIds = written.map(sandboxGroupId);

    const reordered = await sandboxes.defaults.createToken(spec);
    const readDefault = (await sandboxes.defaults.get(`/user/tokens/${reordered.id}`)).body.result;
    expect(shape(readDefault)).toEqual([[sandboxGroupId(userGroup("User Details Read"))], [...writtenIds].sort()]);

    const asWritten = await sandboxes.others.createToken(spec);
    const readOther = (await sandboxes.others.get(`/user/tokens/${asWritten.id}`)).body.result;
    expect(shape(readOther)).toEqual([writtenIds, [sandboxGroupId(userGroup("User Details Read"))]]);
  });
});

describe("accountTokenCreatorRole", () => {
  const spec = { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeLabs)]: "*" } }] };

  it("administrator (default): the creator's user needs a qualifying role on the account; the 403 names the roles", async () => {
    await expect(
      sandboxes.defaults.createToken(
        { policies: [{ ...spec.policies[0]!, resources: { [accountKey(IDS.acmeCorp)]: "*" } }] },
        IDS.acmeCorp,
      ),
    ).resolves.toMatchObject({ id: expect.any(String) });
    const refused = await sandboxes.defaults.call("POST", `/accounts/${IDS.acmeLabs}/tokens`, sandboxes.defaults.sandbox.provisionerToken, {
      name: "no role",
      policies: [
        {
          effect: "allow",
          resources: spec.policies[0]!.resources,
          permission_groups: [{ id: sandboxGroupId(accountGroup("Account Settings Read")) }],
        },
      ],
    });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].code).toBe(9109);
    expect(refused.body.errors[0].message).toMatch(
      /"Super Administrator - All Privileges" or "Administrator" .*on account fca1dc08.*it holds "Administrator Read Only"\. Fix: /,
    );
  });

  it("any-member: no role check", async () => {
    await expect(sandboxes.others.createToken(spec, IDS.acmeLabs)).resolves.toMatchObject({ id: expect.any(String) });
  });

  it("the default fixture's provisioner holds a qualifying role on every account it has", () => {
    expect(defaultFixture().memberships.map((m) => m.roles)).toEqual([
      ["Super Administrator - All Privileges"],
      ["Super Administrator - All Privileges"],
    ]);
  });
});

describe("a token Cloudflare deactivated because it was found exposed", () => {
  it("verify reports it compromised, other routes refuse it with the fix, and a roll makes it work again", async () => {
    const client = sandboxes.defaults;
    const token = await client.createToken(zoneReadOnly);
    const exposed = await fetch(`${client.sandbox.controlUrl}/tokens/${token.id}/expose`, { method: "POST" });
    expect([exposed.status, await exposed.json()]).toEqual([200, { id: token.id, status: "compromised" }]);

    const verify = await client.get("/user/tokens/verify", token.value);
    expect([verify.status, verify.body.result.status, verify.body.messages]).toEqual([200, "compromised", []]);
    const refused = await client.get(`/zones/${IDS.acmeCorpCom}`, token.value);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].message).toMatch(/found exposed\. Fix: roll it/);
    expect((await client.get(`/user/tokens/${token.id}`)).body.result.status).toBe("compromised");

    const rolled = await client.call("PUT", `/user/tokens/${token.id}/value`, client.sandbox.provisionerToken, {});
    expect((await client.get(`/zones/${IDS.acmeCorpCom}`, rolled.body.result)).status).toBe(200);
  });

  it("the control plane names the fix for an unknown token", async () => {
    const answer = await sandboxes.defaults.control("POST", "/tokens/00000000000000000000000000000000/expose");
    expect(answer.status).toBe(404);
    expect(answer.error).toMatch(/Fix: use an id from GET \/__sandbox\/tokens/);
  });
});
