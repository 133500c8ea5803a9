import Cloudflare from "cloudflare";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { IDS, SandboxClient, accountGroup, accountKey } from "../helpers/sandbox-client";
import { useSandbox } from "../helpers/sandbox";

// A small budget so the limit is reachable in a test; the window is short so the SDK's (real) wait on retry-after is too.
const BUDGET = { requests: 20, windowSeconds: 2 };

const sandbox = useSandbox({ rateLimit: BUDGET });
const client = new SandboxClient(sandbox);
/** An account-owned token: its rate-limit budget is its own, untouched by the provisioner's. */
let accountToken: string;

const sdk = (apiToken: string, maxRetries: number, fetch?: typeof globalThis.fetch) =>
  new Cloudflare({ apiToken, baseURL: sandbox.baseUrl, maxRetries, ...(fetch ? { fetch } : {}) });
const members = (cloudflare: Cloudflare) => cloudflare.accounts.members.list({ account_id: IDS.acmeCorp });

/**
 * A fetch for the SDK that records what it was answered and, on a 429, moves the sandbox's (frozen)
 * clock on by the retry-after: the SDK's retry then finds the block over whatever the machine's speed,
 * and the test asserts what the SDK was told and sent, never how long anything took.
 */
function fetchMovingTheClockOnRefusal(answers: { status: number; retryAfter: string | null }[]): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const retryAfter = response.headers.get("retry-after");
    answers.push({ status: response.status, retryAfter });
    if (response.status === 429) await client.advanceClock(Number(retryAfter));
    return response;
  };
}
beforeAll(async () => {
  accountToken = (
    await client.createToken(
      { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeCorp)]: "*" } }] },
      IDS.acmeCorp,
    )
  ).value;
});
beforeEach(async () => {
  await client.control("DELETE", "/faults");
  await client.control("POST", "/stats/reset");
});
afterEach(async () => {
  await client.control("POST", "/clock", { frozen: false });
});

describe("rate limit", () => {
  it("sends Ratelimit and Ratelimit-Policy on every authenticated response", async () => {
    const response = await client.get(`/accounts/${IDS.acmeCorp}/members`, accountToken);
    expect(response.headers.get("ratelimit")).toMatch(/^"default";r=\d+;t=\d+$/);
    expect(response.headers.get("ratelimit-policy")).toBe(`"default";q=${BUDGET.requests};w=${BUDGET.windowSeconds}`);
  });

  it("refuses the user's requests over budget with 429, code 971 and retry-after; the SDK waits and succeeds", async () => {
    // The clock stands still, so the whole burst falls in one window however slow the machine is;
    // moving it on by a window first leaves nothing the provisioner spent earlier in it.
    await client.control("POST", "/clock", { frozen: true });
    await client.advanceClock(BUDGET.windowSeconds);
    const burst = await Promise.all(Array.from({ length: BUDGET.requests + 1 }, () => client.get("/user/tokens/verify")));
    const refused = burst.filter((r) => r.status === 429);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.body.errors).toEqual([{ code: 971, message: "Please wait and consider throttling your request speed" }]);
    // rateLimitRefusal=window-from-excess (the default): blocked for a whole window from the refused request.
    expect(refused[0]!.headers.get("retry-after")).toBe(String(BUDGET.windowSeconds));
    // rateLimitHeaders=static (the default): the verify routes carry no rate-limit headers, refused or not.
    expect(refused[0]!.headers.get("ratelimit")).toBeNull();

    // Another token of the same user shares the budget: refused too; the SDK honours retry-after and gets through.
    const answers: { status: number; retryAfter: string | null }[] = [];
    const verified = await sdk(sandbox.provisionerToken, 2, fetchMovingTheClockOnRefusal(answers)).user.tokens.verify();
    expect(verified.status).toBe("active");
    expect(answers).toEqual([
      { status: 429, retryAfter: String(BUDGET.windowSeconds) },
      { status: 200, retryAfter: null },
    ]);
    expect((await client.control("GET", "/stats")).rateLimited).toBe(2);
  });
});

describe("fault injection, as the SDK sees it", () => {
  it("a 503, then success: the SDK retries", async () => {
    await client.control("POST", "/faults", { match: { path: "/accounts/{account_id}/members" }, kind: "status", status: 503 });
    expect((await members(sdk(accountToken, 2))).result.length).toBeGreaterThan(0);
    expect((await client.control("GET", "/stats")).byRoute).toEqual({ "GET /accounts/{account_id}/members": 2 });
  });

  it("a 503 without retries is the SDK's InternalServerError", async () => {
    await client.control("POST", "/faults", { match: { method: "GET" }, kind: "status", status: 503 });
    await expect(members(sdk(accountToken, 0))).rejects.toMatchObject({ status: 503 });
  });

  it("an injected 429 with retry-after: 1, then success: the SDK is told to wait a second, and sends again", async () => {
    await client.control("POST", "/faults", {
      match: { path: `/accounts/${IDS.acmeCorp}/members` },
      kind: "rate_limit",
      retryAfterSeconds: 1,
    });
    const answers: { status: number; retryAfter: string | null }[] = [];
    expect((await members(sdk(accountToken, 2, fetchMovingTheClockOnRefusal(answers)))).result.length).toBeGreaterThan(0);
    expect(answers).toEqual([
      { status: 429, retryAfter: "1" },
      { status: 200, retryAfter: null },
    ]);
    expect((await client.control("GET", "/stats")).rateLimited).toBe(1);
  });

  it("latency delays the answer", async () => {
    await client.control("POST", "/faults", { kind: "latency", ms: 300 });
    const started = Date.now();
    await members(sdk(accountToken, 0));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("a connection reset is a connection error; with retries the SDK recovers", async () => {
    await client.control("POST", "/faults", { kind: "reset", count: 1 });
    await expect(members(sdk(accountToken, 0))).rejects.toBeInstanceOf(Cloudflare.APIConnectionError);
    await client.control("POST", "/faults", { kind: "reset", count: 1 });
    expect((await members(sdk(accountToken, 1))).result.length).toBeGreaterThan(0);
  });

  it("a malformed body is not JSON", async () => {
    await client.control("POST", "/faults", { kind: "malformed", count: 2 });
    const raw = await fetch(`${sandbox.baseUrl}/user/tokens/verify`, { headers: { authorization: `Bearer ${accountToken}` } });
    expect(raw.status).toBe(200);
    await expect(raw.json()).rejects.toThrow();
    await expect(members(sdk(accountToken, 0))).rejects.toThrow();
  });

  it("applies a fault only to matching requests, `count` times", async () => {
    await client.control("POST", "/faults", { match: { method: "GET", path: "/zones" }, kind: "status", status: 500, count: 2 });
    expect((await client.get(`/accounts/${IDS.acmeCorp}/members`, accountToken)).status).toBe(200);
    // By name: a token without all zones of the account may not list them (zoneListing=refuse), but may look one up.
    expect((await client.get("/zones?name=acme-corp.com", accountToken)).status).toBe(500);
    expect((await client.get("/zones?name=acme-corp.com", accountToken)).status).toBe(500);
    expect((await client.get("/zones?name=acme-corp.com", accountToken)).status).toBe(200);
    expect((await client.control("GET", "/faults")).pending).toEqual([]);
  });

  it("rejects a fault it cannot apply, naming the fix", async () => {
    const response = await client.control("POST", "/faults", { kind: "teapot" });
    expect(response.status).toBe(400);
    expect(response.error).toContain("status, rate_limit, latency, reset, malformed");
    expect((await client.control("POST", "/faults", { kind: "status", status: 418 })).error).toContain("500, 502 or 503");
  });
});
