import Cloudflare from "cloudflare";
import {
  IDS,
  SandboxClient,
  accountGroup,
  accountKey,
  allZonesOf,
  userGroup,
  userKey,
  zoneGroup,
  zoneKey,
} from "../helpers/sandbox-client";
import { SCOPES } from "../../src/domain/permission-group";
import { beforeAll, describe, expect, it } from "vitest";
import { sandboxGroupId } from "../../src/sandbox";
import { useSandbox } from "../helpers/sandbox";

// The official SDK drives the sandbox: if it cannot tell the difference, neither can Pulumi's provider.
const EXTRA_ZONES = 60;

const sandbox = useSandbox({ zones: EXTRA_ZONES });
const client = new SandboxClient(sandbox);
let cloudflare: Cloudflare;

const sdk = (apiToken: string) => new Cloudflare({ apiToken, baseURL: sandbox.baseUrl, maxRetries: 0 });

/** The SDK error a call fails with, so tests can assert its status and Cloudflare error codes. */
async function sdkError(call: Promise<unknown>): Promise<{ status: number; codes: number[]; messages: string[] }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Cloudflare.APIError) {
      const errors = (error.errors ?? []) as { code: number; message: string }[];
      return { status: error.status as number, codes: errors.map((e) => e.code), messages: errors.map((e) => e.message) };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

beforeAll(() => {
  cloudflare = sdk(sandbox.provisionerToken);
});

describe("the official cloudflare SDK against the sandbox", () => {
  it("lists permission groups with sandbox IDs; the account list leaves out user-scope groups", async () => {
    const userGroups = [];
    for await (const g of cloudflare.user.tokens.permissionGroups.list()) userGroups.push(g);
    const zoneRead = userGroups.find((g) => g.name === "Zone Read");
    expect(zoneRead).toMatchObject({ id: sandboxGroupId(zoneGroup("Zone Read")), scopes: [SCOPES.zone] });
    expect(userGroups.length).toBeGreaterThanOrEqual(223);

    const accountGroups = [];
    for await (const g of cloudflare.accounts.tokens.permissionGroups.list({ account_id: IDS.acmeCorp })) accountGroups.push(g);
    expect(accountGroups.some((g) => g.scopes?.includes(SCOPES.user))).toBe(false);
    expect(accountGroups.length).toBe(userGroups.filter((g) => !g.scopes?.includes(SCOPES.user)).length);
  });

  it("lists accounts and the user", async () => {
    const accounts = [];
    for await (const a of cloudflare.accounts.list()) accounts.push(a);
    expect(accounts.map((a) => a.name)).toEqual(["Acme Corp", "Acme Labs"]);
    expect((await cloudflare.user.get()).id).toBe(IDS.user);
  });

  it("auto-paginates zones across pages and filters by account", async () => {
    const zones = [];
    for await (const z of cloudflare.zones.list({ per_page: 20 })) zones.push(z);
    expect(zones).toHaveLength(12 + EXTRA_ZONES);
    expect(new Set(zones.map((z) => z.id)).size).toBe(zones.length);

    const labs = [];
    for await (const z of cloudflare.zones.list({ account: { id: IDS.acmeLabs }, per_page: 5 })) labs.push(z);
    expect(labs.every((z) => z.account.id === IDS.acmeLabs)).toBe(true);
    expect(labs).toHaveLength(5 + EXTRA_ZONES / 2);

    const byName = await cloudflare.zones.list({ name: "acme-status.com" });
    expect(byName.result.map((z) => z.id)).toEqual([IDS.acmeStatus]);
  });

  it("creates a scoped user token that verifies, sees only its zones, and is refused elsewhere", async () => {
    const created = await cloudflare.user.tokens.create({
      name: "drata-like",
      policies: [
        {
          effect: "allow",
          permission_groups: [{ id: sandboxGroupId(zoneGroup("Zone Read")) }, { id: sandboxGroupId(zoneGroup("Firewall Services Read")) }],
          resources: { [zoneKey(IDS.acmeCorpCom)]: "*", [zoneKey(IDS.acmeStatus)]: "*" },
        },
        {
          effect: "allow",
          permission_groups: [{ id: sandboxGroupId(userGroup("User Details Read")) }],
          resources: { [userKey(IDS.user)]: "*" },
        },
      ],
    });
    expect(created.value).toMatch(/^cfsbx_[A-Za-z0-9_-]{40}$/);
    const scoped = sdk(created.value!);

    expect(await scoped.user.tokens.verify()).toEqual({ id: created.id, status: "active" });
    // Scoped to specific zones, it cannot list zones (zoneListing=refuse), but finds a zone it holds by name.
    expect(await sdkError(scoped.zones.list())).toMatchObject({
      status: 403,
      codes: [0],
      messages: [`Actor 'com.cloudflare.api.token.${created.id}' requires permission 'com.cloudflare.api.account.zone.list' to list zones`],
    });
    expect((await scoped.zones.list({ name: "acme-status.com" })).result.map((z) => z.id)).toEqual([IDS.acmeStatus]);
    expect((await scoped.zones.list({ name: "acme-payments.com" })).result).toEqual([]);
    expect((await scoped.firewall.uaRules.list({ zone_id: IDS.acmeCorpCom })).result).toHaveLength(1);
    expect((await scoped.user.get()).email).toBe("svc-compliance@acme-corp.com");

    expect(await sdkError(scoped.zones.get({ zone_id: IDS.acmePayments }))).toMatchObject({ status: 403, codes: [9109] });
    expect(await sdkError(scoped.accounts.members.list({ account_id: IDS.acmeCorp }))).toMatchObject({ status: 403, codes: [9109] });
    expect(await sdkError(scoped.user.tokens.list())).toMatchObject({ status: 403, codes: [9109] });
  });

  it("reads a token back with its policies (groups sorted by ID) and last_used_on", async () => {
    const { id, value } = await client.createToken({
      policies: [
        {
          groups: [zoneGroup("Zone Read"), zoneGroup("Zone Settings Read"), zoneGroup("Zone WAF Read")],
          resources: allZonesOf(IDS.acmeCorp),
        },
      ],
    });
    await sdk(value).user.tokens.verify();
    const token = await cloudflare.user.tokens.get(id);
    const groupIds = token.policies![0]!.permission_groups.map((g) => g.id);
    expect(groupIds).toEqual([...groupIds].sort());
    expect(token.policies![0]!.resources).toEqual(allZonesOf(IDS.acmeCorp));
    // The verify call above used the token: Cloudflare records when, to the second.
    expect(token.last_used_on).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/));
  });

  it("deny beats allow", async () => {
    const { value } = await client.createToken({
      policies: [
        { effect: "allow", groups: [zoneGroup("Zone Read")], resources: allZonesOf(IDS.acmeCorp) },
        { effect: "deny", groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmePayments)]: "*" } },
      ],
    });
    const denied = sdk(value);
    // The deny takes a zone away, so it no longer holds all zones of the account: no zone list either.
    expect(await sdkError(denied.zones.list({ account: { id: IDS.acmeCorp } }))).toMatchObject({ status: 403, codes: [0] });
    expect((await denied.zones.list({ name: "acme-payments.com" })).result).toEqual([]);
    expect(await sdkError(denied.zones.get({ zone_id: IDS.acmePayments }))).toMatchObject({ status: 403, codes: [9109] });
    expect((await denied.zones.get({ zone_id: IDS.acmeCorpCom })).name).toBe("acme-corp.com");
  });

  it("updates in place, rolls the value (old value refused), deletes (then refused)", async () => {
    const { id, value } = await client.createToken({
      policies: [{ groups: [userGroup("User Details Read")], resources: { [userKey(IDS.user)]: "*" } }],
    });
    const updated = await cloudflare.user.tokens.update(id, {
      name: "renamed",
      policies: [
        {
          effect: "allow",
          permission_groups: [{ id: sandboxGroupId(userGroup("User Details Read")) }],
          resources: { [userKey(IDS.user)]: "*" },
        },
      ],
    });
    expect(updated.name).toBe("renamed");
    expect((await sdk(value).user.tokens.verify()).id).toBe(id);

    const rolled = await cloudflare.user.tokens.value.update(id);
    expect(rolled).not.toBe(value);
    expect(await sdkError(sdk(value).user.tokens.verify())).toMatchObject({ status: 401, codes: [1000] });
    expect((await sdk(rolled).user.tokens.verify()).id).toBe(id);

    await cloudflare.user.tokens.delete(id);
    expect(await sdkError(sdk(rolled).user.tokens.verify())).toMatchObject({ status: 401, codes: [1000], messages: ["Invalid API Token"] });
    expect(await sdkError(cloudflare.user.tokens.get(id))).toMatchObject({ status: 404, codes: [7003] });
  });

  it("verifies an account-owned token at its account's route only", async () => {
    const created = await cloudflare.accounts.tokens.create({
      account_id: IDS.acmeCorp,
      name: "ascera-like",
      policies: [
        {
          effect: "allow",
          permission_groups: [{ id: sandboxGroupId(accountGroup("Access: Audit Logs Read")) }],
          resources: { [accountKey(IDS.acmeCorp)]: "*" },
        },
      ],
    });
    const owned = sdk(created.value!);
    expect(await owned.accounts.tokens.verify({ account_id: IDS.acmeCorp })).toEqual({ id: created.id, status: "active" });
    expect(await sdkError(owned.user.tokens.verify())).toMatchObject({ status: 401, codes: [1000] });
    expect(await sdkError(owned.accounts.tokens.verify({ account_id: IDS.acmeLabs }))).toMatchObject({ status: 401, codes: [1000] });
    expect(await sdkError(sdk(sandbox.provisionerToken).accounts.tokens.verify({ account_id: IDS.acmeCorp }))).toMatchObject({
      status: 401,
      codes: [1000],
    });

    const users = [];
    for await (const u of owned.zeroTrust.access.users.list({ account_id: IDS.acmeCorp })) users.push(u);
    expect(users).toHaveLength(4);
    expect(await sdkError(owned.accounts.list())).toMatchObject({ status: 400, codes: [1001] });
    expect((await cloudflare.accounts.tokens.get(created.id!, { account_id: IDS.acmeCorp })).name).toBe("ascera-like");
  });

  it("refuses a user-scope group on an account-owned token, naming the group", async () => {
    const error = await sdkError(
      cloudflare.accounts.tokens.create({
        account_id: IDS.acmeCorp,
        name: "bad",
        policies: [
          {
            effect: "allow",
            permission_groups: [{ id: sandboxGroupId(userGroup("User Details Read")) }],
            resources: { [userKey(IDS.user)]: "*" },
          },
        ],
      }),
    );
    expect(error).toMatchObject({ status: 400, codes: [1001] });
    expect(error.messages[0]).toContain('"User Details Read" (com.cloudflare.api.user)');
  });

  it("refuses a token that would grant more than its creator has", async () => {
    const foreignAccount = "0123456789abcdef0123456789abcdef";
    const error = await sdkError(
      cloudflare.user.tokens.create({
        name: "too wide",
        policies: [
          {
            effect: "allow",
            permission_groups: [{ id: sandboxGroupId(accountGroup("Account Settings Read")) }],
            resources: { [accountKey(foreignAccount)]: "*" },
          },
        ],
      }),
    );
    expect(error).toMatchObject({ status: 403, codes: [9109] });
    expect(error.messages[0]).toContain(`account ${foreignAccount}`);
  });
});

describe("token quota", () => {
  it("refuses the user's 51st token, naming the fix", async () => {
    const existing = (await client.get("/user/tokens?per_page=50")).body.result_info.total_count as number;
    const spec = { policies: [{ groups: [userGroup("User Details Read")], resources: { [userKey(IDS.user)]: "*" } }] };
    for (let i = existing; i < 50; i++) await client.createToken(spec);
    const error = await sdkError(
      cloudflare.user.tokens.create({
        name: "one too many",
        policies: [
          {
            effect: "allow",
            permission_groups: [{ id: sandboxGroupId(userGroup("User Details Read")) }],
            resources: { [userKey(IDS.user)]: "*" },
          },
        ],
      }),
    );
    expect(error).toMatchObject({ status: 400, codes: [1001] });
    expect(error.messages[0]).toContain("delete tokens that are no longer used");
  });
});
