import { afterEach, describe, expect, it } from "vitest";
import { RegistrationConfigError, pickupCheckFor, type PickupCheck, type RegistrationSettings } from "../../src/registration";
import { DRATA_KEY, drataRequest, expectNoSecrets, fakeSleep, json, scriptedServer, status } from "../helpers/registration";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function drataStub(...replies: Parameters<typeof scriptedServer>[0]) {
  const s = await scriptedServer(replies);
  servers.push(s);
  return s;
}

const google = {
  id: 11,
  clientType: "GOOGLE",
  state: "ACTIVE",
  connected: true,
  connectedAt: "2025-01-01T00:00:00.000Z",
  failedAt: null,
  clientAlias: null,
  deletedAt: null,
};
const cloudflare = (extra: Record<string, unknown> = {}) => ({
  id: 42,
  clientType: "CLOUDFLARE",
  state: "ACTIVE",
  connected: true,
  connectedAt: "2025-11-20T09:00:00.000Z",
  failedAt: null,
  clientAlias: "acme-prod",
  deletedAt: null,
  providerTypes: [{ value: "INFRASTRUCTURE", isEnabled: true }],
  ...extra,
});
const page = (data: unknown[], extra: Record<string, unknown> = {}) => ({ data, page: 1, limit: 50, total: data.length, ...extra });

function check(baseUrl: string, extra: Partial<NonNullable<RegistrationSettings["drataStatus"]>> = {}) {
  const clock = fakeSleep();
  const pickup = pickupCheckFor(
    { kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY", baseUrl, ...extra } },
    { DRATA_API_KEY: DRATA_KEY },
    {
      sleep: clock.sleep,
      random: () => 0.5,
    },
  ) as PickupCheck;
  return { pickup, waits: clock.waits };
}

const request = drataRequest();

describe("drata-status pickup check", () => {
  it("GETs /public/connections with the Bearer key and reports an ACTIVE Cloudflare connection as picked up", async () => {
    const drata = await drataStub(json(200, page([google, cloudflare()])));
    const result = await check(drata.url).pickup.confirmed(request);
    expect(result).toMatchObject({ pickedUp: true, state: "connected" });
    expect(result.detail).toBe(
      `Drata's Cloudflare connection 42 ("acme-prod") is ACTIVE (connected at 2025-11-20T09:00:00.000Z). Drata does not say which token it holds`,
    );
    expect(drata.received).toHaveLength(1);
    expect(drata.received[0]).toMatchObject({ method: "GET", url: "/public/connections?page=1&limit=50" });
    expect(drata.received[0]!.headers.authorization).toBe(`Bearer ${DRATA_KEY}`);
    expectNoSecrets(result);
  });

  it("reports MISCONFIGURED with its failedAt and the fix", async () => {
    const drata = await drataStub(
      json(200, page([cloudflare({ state: "MISCONFIGURED", connected: false, failedAt: "2025-11-25T08:00:00.000Z" })])),
    );
    const result = await check(drata.url).pickup.confirmed(request);
    expect(result).toMatchObject({ pickedUp: false, state: "misconfigured" });
    expect(result.detail).toMatch(
      /connection 42 \("acme-prod"\) is MISCONFIGURED \(failed at 2025-11-25T08:00:00\.000Z\)\. Fix: in Drata > Connections, edit the Cloudflare connection and paste generation 1 of drata/,
    );
  });

  it("reports not found when Drata has no (live) Cloudflare connection", async () => {
    const drata = await drataStub(json(200, page([google, cloudflare({ deletedAt: "2025-10-01T00:00:00.000Z" })])));
    const result = await check(drata.url).pickup.confirmed(request);
    expect(result).toMatchObject({ pickedUp: false, state: "not-found" });
    expect(result.detail).toMatch(
      /Drata has no Cloudflare connection among its 2 connections\. Fix: connect Cloudflare in Drata \(Connections > Available Connections > Cloudflare\)/,
    );
  });

  it("a connection still connecting is pending, not picked up", async () => {
    const drata = await drataStub(json(200, page([cloudflare({ state: "CONFIGURED_PENDING_CONFIRMATION", connected: false })])));
    expect(await check(drata.url).pickup.confirmed(request)).toMatchObject({ pickedUp: false, state: "pending" });
  });

  it("picks the connection by clientAlias, and asks for one when there are several", async () => {
    const two = page([cloudflare(), cloudflare({ id: 43, clientAlias: "acme-staging", state: "MISCONFIGURED" })]);
    const drata = await drataStub(json(200, two));
    const ambiguous = await check(drata.url).pickup.confirmed(request);
    expect(ambiguous).toMatchObject({ pickedUp: false, state: "ambiguous" });
    expect(ambiguous.detail).toMatch(
      /2 Cloudflare connections \(aliases "acme-prod", "acme-staging"\)\. Fix: set registration\.drataStatus\.clientAlias/,
    );
    expect(await check(drata.url, { clientAlias: "acme-staging" }).pickup.confirmed(request)).toMatchObject({ state: "misconfigured" });
    expect(await check(drata.url, { clientAlias: "acme-prod" }).pickup.confirmed(request)).toMatchObject({ pickedUp: true });
    expect(await check(drata.url, { clientAlias: "nope" }).pickup.confirmed(request)).toMatchObject({ state: "not-found" });
  });

  it("follows pages until it has them all", async () => {
    const filler = Array.from({ length: 50 }, (_, i) => ({ ...google, id: 100 + i }));
    const drata = await drataStub(json(200, page(filler, { total: 51 })), json(200, page([cloudflare()], { page: 2, total: 51 })));
    expect(await check(drata.url).pickup.confirmed(request)).toMatchObject({ pickedUp: true });
    expect(drata.received.map((r) => r.url)).toEqual(["/public/connections?page=1&limit=50", "/public/connections?page=2&limit=50"]);
  });

  it("401 says the key was rejected, names the variable and never the key; no retry", async () => {
    const drata = await drataStub(json(401, { message: "Invalid Authorization" }));
    const { pickup, waits } = check(drata.url);
    const result = await pickup.confirmed(request);
    expect(result).toMatchObject({ pickedUp: false, state: "unavailable" });
    expect(result.detail).toMatch(
      /Drata rejected the API key in DRATA_API_KEY \(HTTP 401\)\. Fix: check the key, its expiry and its Allowed IP Addresses/,
    );
    expect(drata.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expectNoSecrets(result);
  });

  it("403 names the permission the key needs", async () => {
    const drata = await drataStub(status(403));
    expect((await check(drata.url).pickup.confirmed(request)).detail).toMatch(/"Connections: List Connections"/);
  });

  it("429 is retried after Retry-After, and a lasting 429 says Drata's rate limit", async () => {
    const once = await drataStub(status(429, "", { "Retry-After": "2" }), json(200, page([cloudflare()])));
    const first = check(once.url);
    expect(await first.pickup.confirmed(request)).toMatchObject({ pickedUp: true });
    expect(first.waits).toEqual([2000]);

    const always = await drataStub(status(429));
    const second = check(always.url);
    const result = await second.pickup.confirmed(request);
    expect(result).toMatchObject({ pickedUp: false, state: "unavailable" });
    expect(result.detail).toMatch(/rate-limited .*HTTP 429; its limit is 500 requests\/minute per source IP/);
    expect(always.received).toHaveLength(3);
  });

  it("5xx is retried a bounded number of times, then reported", async () => {
    const drata = await drataStub(status(502), status(500), status(503));
    const { pickup, waits } = check(drata.url);
    const result = await pickup.confirmed(request);
    expect(result).toMatchObject({ pickedUp: false, state: "unavailable" });
    expect(result.detail).toMatch(/Drata's API failed with HTTP 503 after 3 attempts/);
    expect(waits).toHaveLength(2);
  });

  it("an answer that is not a connection list is reported, not guessed at", async () => {
    const drata = await drataStub(json(200, { items: [] }));
    expect((await check(drata.url).pickup.confirmed(request)).detail).toMatch(/is not a list of connections/);
  });

  it("defaults to Drata's public API host", async () => {
    const urls: string[] = [];
    const fetchStub = (async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify(page([cloudflare()])), { status: 200 });
    }) as typeof fetch;
    const pickup = pickupCheckFor(
      { kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY" } },
      { DRATA_API_KEY: DRATA_KEY },
      { fetch: fetchStub },
    )!;
    expect(await pickup.confirmed(request)).toMatchObject({ pickedUp: true });
    expect(urls).toEqual(["https://public-api.drata.com/public/connections?page=1&limit=50"]);
  });

  it("exists only when configured, and needs its key in the environment", () => {
    expect(pickupCheckFor({ kind: "handoff" }, {})).toBeUndefined();
    expect(() => pickupCheckFor({ kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY" } }, {})).toThrow(RegistrationConfigError);
    expect(() => pickupCheckFor({ kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY" } }, {})).toThrow(
      /API key in the environment variable DRATA_API_KEY, which is not set\. Fix: create a key with "Connections: List Connections"/,
    );
    expect(pickupCheckFor({ kind: "handoff", drataStatus: { apiKeyEnv: "DRATA_API_KEY" } }, { DRATA_API_KEY: DRATA_KEY })?.kind).toBe(
      "drata-status",
    );
  });
});
