import { describe, expect, it } from "vitest";
import { IDS, SandboxClient, userGroup, userKey, zoneGroup, zoneKey } from "../helpers/sandbox-client";
import { useSandbox } from "../helpers/sandbox";
import { startSandbox } from "../../src/sandbox";
import { readInstance, controlFetch } from "../../src/sandbox/control-client";

// Every token value of this sandbox starts with the canary, so a leak anywhere is a substring search.
const CANARY = "LEAKCANARY_";

const logLines: string[] = [];

const sandbox = useSandbox({ tokenPrefix: CANARY, log: (line) => logLines.push(line) });
const client = new SandboxClient(sandbox);

describe("control plane", () => {
  it("counts requests per route template and 429s, and resets", async () => {
    await client.control("POST", "/stats/reset");
    await client.get(`/zones/${IDS.acmeCorpCom}`);
    await client.get(`/zones/${IDS.acmeStatus}`);
    await client.get("/zones");
    await client.get("/no/such/route");
    expect(await client.control("GET", "/stats")).toEqual({
      status: 200,
      total: 4,
      byRoute: { "GET /zones": 1, "GET /zones/{zone_id}": 2 },
      rateLimited: 0,
      refusedByPrincipal: {},
      unknownCredentials: 0,
    });
    expect(await client.control("POST", "/stats/reset")).toMatchObject({ total: 0, byRoute: {}, rateLimited: 0 });
  });

  it("counts requests presenting a credential it never issued, and names this run of the sandbox", async () => {
    await client.control("POST", "/stats/reset");
    const presenting = (authorization: string) => fetch(`${sandbox.baseUrl}/user/tokens/verify`, { headers: { authorization } });
    expect((await presenting("Bearer canary-not-a-sandbox-token")).status).toBe(400);
    expect((await presenting(`Bearer ${"c".repeat(40)}`)).status).toBe(401);
    expect(await client.control("GET", "/stats")).toMatchObject({ unknownCredentials: 2 });
    expect(await client.control("GET", "/instance")).toEqual({ status: 200, instance: sandbox.instance, startedAt: expect.any(String) });
  });

  it("answers an unknown API route with Cloudflare's 404 envelope", async () => {
    const response = await client.get("/zones/abc/dns_records/export");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      success: false,
      errors: [{ code: 7003, message: "No route for the URI" }],
      messages: [],
      result: null,
    });
  });

  it("names its clock: one instance for this sandbox (the run ID /instance reports too), another for the next one", async () => {
    const first = (await readInstance(sandbox.control)).instance;
    await client.advanceClock(60);
    expect(await readInstance(sandbox.control)).toMatchObject({ instance: first });
    expect((await client.control("GET", "/clock")).instance).toBe(first);
    const other = await startSandbox({ port: 0 });
    try {
      expect((await readInstance(other.control)).instance).not.toBe(first);
    } finally {
      await other.close();
    }
  });

  it("moves the clock forward only, and reports it", async () => {
    const before = await client.control("GET", "/clock");
    const after = await client.advanceClock(3600);
    expect(after.offsetSeconds - before.offsetSeconds).toBe(3600);
    expect(Date.parse(after.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(3600_000);
    const backwards = await client.control("POST", "/clock", { advanceSeconds: -1 });
    expect(backwards.status).toBe(400);
    expect(backwards.error).toContain("never goes back");
  });

  it("freezes the clock: it stands still until advanced, and restarts from where it stood", async () => {
    const frozen = await client.control("POST", "/clock", { frozen: true });
    expect(frozen.frozen).toBe(true);
    // The clock reads to the millisecond: a running one would have moved in 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.control("GET", "/clock")).now).toBe(frozen.now);
    const advanced = await client.control("POST", "/clock", { advanceSeconds: 90 });
    expect(Date.parse(advanced.now) - Date.parse(frozen.now)).toBe(90_000);
    const thawed = await client.control("POST", "/clock", { frozen: false });
    expect(thawed.frozen).toBe(false);
    expect(Date.parse(thawed.now)).toBeGreaterThanOrEqual(Date.parse(advanced.now));
    expect(Date.parse(thawed.now) - Date.parse(advanced.now)).toBeLessThan(60_000);
    expect((await client.control("POST", "/clock", {})).error).toMatch(/advanceSeconds.*frozen/);
  });

  // last_used_on has second precision: whether two uses share a second is the clock's decision, not the machine's speed.
  it.each([
    { gapSeconds: 0, sameSecond: true },
    { gapSeconds: 1, sameSecond: false },
    { gapSeconds: 3600, sameSecond: false },
  ])("a frozen clock records uses $gapSeconds s apart as the same second: $sameSecond", async ({ gapSeconds, sameSecond }) => {
    await client.control("POST", "/clock", { frozen: true });
    const { id, value } = await client.createToken({
      name: `same-second-${gapSeconds}`,
      policies: [{ groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmeCorpCom)]: "*" } }],
    });
    const lastUsed = async () =>
      (await client.control("GET", "/tokens")).tokens.find((t: { id: string }) => t.id === id).last_used_on as string;
    await client.get(`/zones/${IDS.acmeCorpCom}`, value);
    const first = await lastUsed();
    if (gapSeconds > 0) await client.advanceClock(gapSeconds);
    await client.get(`/zones/${IDS.acmeCorpCom}`, value);
    expect((await lastUsed()) === first).toBe(sameSecond);
    await client.control("POST", "/clock", { frozen: false });
  });

  it("lists token metadata with owner, status and last_used_on, and never a value", async () => {
    const { id, value } = await client.createToken({
      name: "metadata",
      policies: [{ groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmeCorpCom)]: "*" } }],
    });
    const listed = async () => (await client.control("GET", "/tokens")).tokens.find((t: { id: string }) => t.id === id);
    expect(await listed()).toMatchObject({
      name: "metadata",
      owner: { type: "user", id: IDS.user },
      status: "active",
      last_used_on: null,
      expires_on: null,
    });

    await client.get("/zones", value);
    const firstUse = (await listed()).last_used_on;
    expect(firstUse).not.toBeNull();
    await client.advanceClock(60);
    await client.get("/zones", value);
    expect(Date.parse((await listed()).last_used_on) - Date.parse(firstUse)).toBeGreaterThanOrEqual(60_000);

    const raw = await (await controlFetch(sandbox.control, "/tokens")).text();
    expect(raw).not.toContain(CANARY);
    expect(raw).not.toContain(value);
  });

  it("renames a permission group: same ID and grants, the new name in lists and token reads, and back", async () => {
    const zoneRead = { scope: "com.cloudflare.api.account.zone", from: "Zone Read", to: "Zone: Read" };
    const { id, value } = await client.createToken({
      name: "renamed-group",
      policies: [{ groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmeCorpCom)]: "*" } }],
    });
    const offered = async (name: string) =>
      (await client.get(`/user/tokens/permission_groups?name=${encodeURIComponent(name)}&scope=${zoneRead.scope}`)).body.result;
    const [before] = await offered("Zone Read");
    const renamed = await client.control("POST", "/permission_groups/rename", zoneRead);
    expect(renamed).toMatchObject({ status: 200, id: before.id, name: "Zone: Read", scopes: [zoneRead.scope] });
    expect(await offered("Zone Read")).toEqual([]);
    expect(await offered("Zone: Read")).toEqual([{ id: renamed.id, name: "Zone: Read", scopes: [zoneRead.scope] }]);
    expect((await client.get(`/user/tokens/${id}`)).body.result.policies[0].permission_groups).toEqual([
      { id: renamed.id, name: "Zone: Read" },
    ]);
    expect((await client.get(`/zones/${IDS.acmeCorpCom}`, value)).status).toBe(200);

    expect((await client.control("POST", "/permission_groups/rename", zoneRead)).status).toBe(404);
    expect((await client.control("POST", "/permission_groups/rename", { ...zoneRead, from: "Zone: Read", to: "Zone Read" })).status).toBe(
      200,
    );
    expect(await offered("Zone Read")).toHaveLength(1);
    const badScope = await client.control("POST", "/permission_groups/rename", { ...zoneRead, scope: "zone" });
    expect(badScope).toMatchObject({ status: 400, error: expect.stringContaining("scope must be one of com.cloudflare.api.user") });
  });

  it("deletes a zone: no lookup, list or grant finds it, and a second delete is a 404 naming the fix", async () => {
    const { value } = await client.createToken({
      name: "deleted-zone",
      policies: [{ groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmePayments)]: "*" } }],
    });
    const byName = async () => (await client.get("/zones?name=acme-payments.com", value)).body.result.map((z: { id: string }) => z.id);
    expect(await byName()).toEqual([IDS.acmePayments]);
    expect(await client.control("DELETE", `/zones/${IDS.acmePayments}`)).toMatchObject({ status: 200, id: IDS.acmePayments });
    expect((await client.get(`/zones/${IDS.acmePayments}`)).status).toBe(404);
    expect(await byName()).toEqual([]);
    expect((await client.get("/zones")).body.result.map((z: { id: string }) => z.id)).not.toContain(IDS.acmePayments);
    expect(await client.control("DELETE", `/zones/${IDS.acmePayments}`)).toMatchObject({
      status: 404,
      error: expect.stringContaining("Fix: use a zone ID from GET /client/v4/zones"),
    });
  });

  it("points at its routes when asked for one it does not have", async () => {
    const response = await client.control("GET", "/nothing");
    expect(response.status).toBe(404);
    expect(response.error).toContain("GET /stats");
  });
});

describe("token values stay secret", () => {
  it("appear only in create and roll responses: never in lists, details, errors or the log", async () => {
    const created = await client.call("POST", "/user/tokens", sandbox.provisionerToken, {
      name: "secret",
      policies: [
        {
          effect: "allow",
          permission_groups: [{ id: (await client.get("/user/tokens/permission_groups?name=User%20Details%20Read")).body.result[0].id }],
          resources: { [userKey(IDS.user)]: "*" },
        },
      ],
    });
    const { id, value } = created.body.result;
    expect(value.startsWith(CANARY)).toBe(true);

    const rolled = (await client.call("PUT", `/user/tokens/${id}/value`, sandbox.provisionerToken, {})).body.result as string;
    const bodies = [
      await client.get("/user/tokens"),
      await client.get(`/user/tokens/${id}`),
      await client.get("/user/tokens/verify", rolled),
      await client.get("/user/tokens/verify", value),
      await client.get(`/zones/${value}`, rolled),
      await client.get(`/nope/${rolled}`, rolled),
    ].map((r) => JSON.stringify(r.body));
    for (const body of bodies) expect(body).not.toContain(CANARY);

    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.join("\n")).not.toContain(CANARY);
    expect(logLines.some((line) => /^GET \/user\/tokens\/verify 401 \d+ms$/.test(line))).toBe(true);
    expect(logLines.some((line) => line.includes("/nope/[redacted] 404"))).toBe(true);
  });

  it("logs method, route template, status and time for each request", async () => {
    await client.get(`/zones/${IDS.acmeCorpCom}`);
    expect(logLines.at(-1)).toMatch(/^GET \/zones\/\{zone_id\} 200 \d+ms$/);
  });

  it("filters permission groups by name and scope", async () => {
    const userScoped = (await client.get("/user/tokens/permission_groups?scope=com.cloudflare.api.user")).body.result;
    expect(userScoped.map((g: { name: string }) => g.name)).toContain(userGroup("API Tokens Write").name);
    expect(userScoped.every((g: { scopes: string[] }) => g.scopes[0] === "com.cloudflare.api.user")).toBe(true);
    const named = (await client.get("/user/tokens/permission_groups?name=Access%3A%20Apps%20and%20Policies%20Read")).body.result;
    expect(named.map((g: { scopes: string[] }) => g.scopes[0]).sort()).toEqual([
      "com.cloudflare.api.account",
      "com.cloudflare.api.account.zone",
    ]);
  });
});
