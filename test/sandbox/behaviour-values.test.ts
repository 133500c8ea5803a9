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
import { setMemberRoles, controlFetch } from "../../src/sandbox/control-client";
import { tokenShape } from "../../src/cloudflare/token-format";
import {
  IDS,
  SandboxClient,
  accountGroup,
  accountKey,
  secondsFromNow,
  userGroup,
  userKey,
  zoneGroup,
  zoneKey,
} from "../helpers/sandbox-client";

// Every behaviour's default and its other value, each asserted on the wire (plain fetch, exact bodies).

const SUPER_ADMIN = "Super Administrator - All Privileges";
const PROVISIONING = ["API Token Provisioning", "Administrator Read Only"];

/** The default world, except that on Acme Labs the provisioner's user holds "API Token Provisioning" and reads. */
function fixtureWithProvisioningLabsMember(): Fixture {
  const fixture = defaultFixture();
  return {
    ...fixture,
    memberships: fixture.memberships.map((m) => (m.account_id === IDS.acmeLabs ? { ...m, roles: PROVISIONING } : m)),
  };
}

const allNonDefault = Object.assign({}, ...nonDefaultBehaviourCases().map((c) => c.overrides)) as BehaviourOverrides;
const sandboxes: { defaults: SandboxClient; others: SandboxClient; administrator: SandboxClient } = {} as never;
const running: RunningSandbox[] = [];

beforeAll(async () => {
  const fixture = fixtureWithProvisioningLabsMember();
  const [defaults, others, administrator] = await Promise.all([
    startSandbox({ fixture }),
    startSandbox({ fixture, behaviours: allNonDefault }),
    startSandbox({ fixture, behaviours: { accountTokenRoles: "administrator" } }),
  ]);
  running.push(defaults, others, administrator);
  sandboxes.defaults = new SandboxClient(defaults);
  sandboxes.others = new SandboxClient(others);
  sandboxes.administrator = new SandboxClient(administrator);
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
      // Cloudflare's 403s link the denied endpoint's documentation (changelog 2026-08-20).
      expect(answer.body.errors).toEqual([
        { code, message, documentation_url: "https://developers.cloudflare.com/api/resources/user/methods/list" },
      ]);
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

describe("accountTokenRoles", () => {
  const settingsRead = { id: sandboxGroupId(accountGroup("Account Settings Read")) };
  const body = (name: string, groups: { id: string }[] = [settingsRead]) => ({
    name,
    policies: [{ effect: "allow", resources: { [accountKey(IDS.acmeLabs)]: "*" }, permission_groups: groups }],
  });
  const labsTokens = `/accounts/${IDS.acmeLabs}/tokens`;
  const asProvisioner = (client: SandboxClient, method: string, path: string, payload?: unknown) =>
    client.call(method, path, client.sandbox.provisionerToken, payload);
  const roles = (client: SandboxClient, list: readonly string[]) => setMemberRoles(client.sandbox.control, IDS.acmeLabs, list);

  it('super-admin (default): "Administrator" can neither create nor update; the 403 names the roles held and needed', async () => {
    const client = sandboxes.defaults;
    await roles(client, [SUPER_ADMIN]);
    const existing = await asProvisioner(client, "POST", labsTokens, body("made by a super admin"));
    expect(existing.status).toBe(200);
    await roles(client, ["Administrator"]);
    try {
      const create = await asProvisioner(client, "POST", labsTokens, body("an administrator's"));
      expect(create.status).toBe(403);
      expect(create.body.errors[0].message).toMatch(
        /creating an account-owned token needs the creator's user to hold "Super Administrator - All Privileges" \(or "API Token Provisioning", within the groups it holds\) on account fca1dc08.*it holds "Administrator"\. Fix: /,
      );
      expect(create.body.errors[0].documentation_url).toBe(
        "https://developers.cloudflare.com/api/resources/accounts/subresources/tokens/methods/create",
      );
      // The role check applies to PUT as well: an update and a roll.
      const update = await asProvisioner(client, "PUT", `${labsTokens}/${existing.body.result.id}`, body("renamed"));
      expect([update.status, update.body.errors[0].message]).toEqual([403, expect.stringMatching(/updating an account-owned token needs/)]);
      const roll = await asProvisioner(client, "PUT", `${labsTokens}/${existing.body.result.id}/value`, {});
      expect(roll.status).toBe(403);
    } finally {
      await roles(client, PROVISIONING);
    }
  });

  it('"API Token Provisioning" creates within the groups its user holds, cannot update, and sees only the tokens it created', async () => {
    const client = sandboxes.defaults;
    // A token another creator made: an account-owned token with Account API Tokens Write makes one.
    await roles(client, [SUPER_ADMIN]);
    const writer = await asProvisioner(
      client,
      "POST",
      labsTokens,
      body("account token writer", [{ id: sandboxGroupId(accountGroup("Account API Tokens Write")) }]),
    );
    const byOther = await client.call("POST", labsTokens, writer.body.result.value, body("made by an account token"));
    expect(byOther.status).toBe(200);
    await roles(client, PROVISIONING);

    const own = await asProvisioner(client, "POST", labsTokens, body("provisioned"));
    expect(own.status).toBe(200);
    const beyond = await asProvisioner(
      client,
      "POST",
      labsTokens,
      body("beyond", [settingsRead, { id: sandboxGroupId(accountGroup("Account Settings Write")) }]),
    );
    expect(beyond.status).toBe(403);
    expect(beyond.body.errors[0].message).toMatch(
      /can only grant the permissions its user holds; .* do not hold "Account Settings Write"\. Fix: /,
    );
    const update = await asProvisioner(client, "PUT", `${labsTokens}/${own.body.result.id}`, body("renamed"));
    expect([update.status, update.body.errors[0].message]).toEqual([
      403,
      expect.stringMatching(/updating an account-owned token needs .*"API Token Provisioning" may only create/),
    ]);

    const listed = ((await client.get(labsTokens)).body.result as { id: string }[]).map((t) => t.id);
    expect(listed).toContain(own.body.result.id);
    expect(listed).not.toContain(byOther.body.result.id);
    expect((await client.get(`${labsTokens}/${byOther.body.result.id}`)).status).toBe(404);
    // Creator metadata: the control plane shows it (the API's field for it is not documented).
    const meta = (await (await controlFetch(client.sandbox.control, "/tokens")).json()) as {
      tokens: { id: string; created_by: string | null }[];
    };
    expect(meta.tokens.find((t) => t.id === own.body.result.id)?.created_by).toBe(IDS.user);
    expect(meta.tokens.find((t) => t.id === byOther.body.result.id)?.created_by).toBeNull();
  });

  it('administrator: "Administrator" may create and update too', async () => {
    const client = sandboxes.administrator;
    await roles(client, ["Administrator"]);
    const created = await asProvisioner(client, "POST", labsTokens, body("an administrator's"));
    expect(created.status).toBe(200);
    expect((await asProvisioner(client, "PUT", `${labsTokens}/${created.body.result.id}`, body("renamed"))).status).toBe(200);
  });

  it("any-member: no role check", async () => {
    await roles(sandboxes.others, ["Analyst"]);
    expect((await asProvisioner(sandboxes.others, "POST", labsTokens, body("anyone's"))).status).toBe(200);
  });

  it("the default fixture's provisioner is Super Administrator on every account it has", () => {
    expect(defaultFixture().memberships.map((m) => m.roles)).toEqual([[SUPER_ADMIN], [SUPER_ADMIN]]);
  });
});

describe("deadTokenAnswer", () => {
  it("a deleted token: 401 1000 at verify; elsewhere 403 9109 'Invalid access token' (default) or 401 1000", async () => {
    for (const [client, elsewhere] of [
      [sandboxes.defaults, [403, 9109, "Invalid access token"]],
      [sandboxes.others, [401, 1000, "Invalid API Token"]],
    ] as const) {
      const token = await client.createToken(zoneReadOnly);
      expect((await client.call("DELETE", `/user/tokens/${token.id}`, client.sandbox.provisionerToken)).status).toBe(200);
      const verify = await client.get("/user/tokens/verify", token.value);
      expect([verify.status, verify.body.errors[0].code]).toEqual([401, 1000]);
      const zone = await client.get(`/zones/${IDS.acmeCorpCom}`, token.value);
      expect([zone.status, zone.body.errors[0].code, zone.body.errors[0].message]).toEqual(elsewhere);
    }
  });
});

describe("an account-owned token at a user route", () => {
  it("403 9109 'Valid user-level authentication not found', whatever missingPermissionCode says", async () => {
    for (const client of [sandboxes.defaults, sandboxes.others]) {
      const spec = { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeCorp)]: "*" } }] };
      const token = await client.createToken(spec, IDS.acmeCorp);
      const answer = await client.get("/memberships", token.value);
      expect([answer.status, answer.body.errors[0].code, answer.body.errors[0].message]).toEqual([
        403,
        9109,
        "Valid user-level authentication not found",
      ]);
    }
  });
});

describe("tokenValueFormat", () => {
  it("sandbox (default): cfsbx_ + 40; cloudflare: cfut_ or cfat_ + 40 alphanumerics + 8 hex, rolls keep the shape", async () => {
    const own = await sandboxes.defaults.createToken(zoneReadOnly);
    expect(own.value).toMatch(/^cfsbx_[A-Za-z0-9_-]{40}$/);
    expect(tokenShape(own.value).kind).toBe("sandbox");

    const client = sandboxes.others;
    const user = await client.createToken(zoneReadOnly);
    expect(user.value).toMatch(/^cfut_[A-Za-z0-9]{40}[0-9a-f]{8}$/);
    const account = await client.createToken(
      { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeCorp)]: "*" } }] },
      IDS.acmeCorp,
    );
    expect([tokenShape(user.value).kind, tokenShape(account.value).kind]).toEqual(["user-token", "account-token"]);
    const rolled = await client.call("PUT", `/user/tokens/${user.id}/value`, client.sandbox.provisionerToken, {});
    expect(tokenShape(rolled.body.result as string).kind).toBe("user-token");
    expect((await client.get(`/zones/${IDS.acmeCorpCom}`, rolled.body.result as string)).status).toBe(200);
  });
});

describe("a token Cloudflare deactivated because it was found exposed", () => {
  it("verify reports it compromised, other routes refuse it with the fix, and a roll makes it work again", async () => {
    const client = sandboxes.defaults;
    const token = await client.createToken(zoneReadOnly);
    const exposed = await controlFetch(client.sandbox.control, `/tokens/${token.id}/expose`, { method: "POST" });
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
