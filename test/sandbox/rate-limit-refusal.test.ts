import { afterEach, describe, expect, it } from "vitest";
import { parseRateLimit } from "../../src/sandbox";
import { startSandbox, type RunningSandbox } from "../../src/sandbox";
import { withGeneratedAccounts } from "../../src/sandbox/fixture/generate-accounts";
import { defaultFixture } from "../../src/sandbox/fixture/default-fixture";
import { SandboxClient, accountGroup, accountKey } from "../helpers/sandbox-client";

// Time here is the sandbox clock, moved by the control plane: nothing waits and nothing is timed.
const BUDGET = { requests: 3, windowSeconds: 10 };

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function spendBudgetThenExceedLate(refusal: "window-from-excess" | "fixed-window") {
  sandbox = await startSandbox({ rateLimit: BUDGET, behaviours: { rateLimitRefusal: refusal, rateLimitHeaders: "accurate" } });
  const client = new SandboxClient(sandbox);
  for (let i = 0; i < BUDGET.requests; i += 1) expect((await client.get("/user")).status).toBe(200);
  await client.advanceClock(8);
  const excess = await client.get("/user");
  expect(excess.status).toBe(429);
  return { client, excess };
}

describe("rateLimitRefusal", () => {
  it("window-from-excess (default): refused for a whole window from the first refused request", async () => {
    const { client, excess } = await spendBudgetThenExceedLate("window-from-excess");
    expect(excess.headers.get("retry-after")).toBe("10");
    expect(excess.headers.get("ratelimit")).toBe('"default";r=0;t=10');
    await client.advanceClock(3);
    // The first window has ended, but the block runs from the moment of excess.
    expect((await client.get("/user")).status).toBe(429);
    await client.advanceClock(8);
    const after = await client.get("/user");
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit")).toBe(`"default";r=${BUDGET.requests - 1};t=10`);
  });

  it("fixed-window: refused only until the current window ends", async () => {
    const { client, excess } = await spendBudgetThenExceedLate("fixed-window");
    expect(excess.headers.get("retry-after")).toBe("2");
    await client.advanceClock(3);
    expect((await client.get("/user")).status).toBe(200);
  });

  it("counts refused requests per principal in /__sandbox/stats; refused requests do not spend budget", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const client = new SandboxClient(sandbox);
    const accountToken = await client.createToken(
      {
        policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(sandbox.fixture.accounts[0]!.id)]: "*" } }],
      },
      sandbox.fixture.accounts[0]!.id,
    );
    // Creating the token spent one of the user's three requests: two of these four get through.
    for (let i = 0; i < 4; i += 1) await client.get("/user/tokens/verify");
    const accountVerify = `/accounts/${sandbox.fixture.accounts[0]!.id}/tokens/verify`;
    for (let i = 0; i < BUDGET.requests + 1; i += 1) await client.get(accountVerify, accountToken.value);
    const stats = await client.control("GET", "/stats");
    expect(stats.refusedByPrincipal).toEqual({ [`user:${sandbox.fixture.user.id}`]: 2, [`account-token:${accountToken.id}`]: 1 });
    expect(stats.rateLimited).toBe(3);
  });

  it("takes the budget from the fixture's rate_limit, and startSandbox's rateLimit over it", async () => {
    sandbox = await startSandbox({ fixture: { ...defaultFixture(), rate_limit: "2/60" } });
    expect(sandbox.rateLimit).toEqual({ requests: 2, windowSeconds: 60 });
    expect((await new SandboxClient(sandbox).get("/user")).headers.get("ratelimit-policy")).toBe('"default";q=2;w=60');
    await sandbox.close();
    sandbox = await startSandbox({ fixture: { ...defaultFixture(), rate_limit: "2/60" }, rateLimit: { requests: 30, windowSeconds: 10 } });
    expect(sandbox.rateLimit).toEqual({ requests: 30, windowSeconds: 10 });
  });

  it("refuses a budget that is not <requests>/<seconds>, naming the key and the fix", async () => {
    expect(parseRateLimit("300/30", "--rate-limit")).toEqual({ requests: 300, windowSeconds: 30 });
    expect(() => parseRateLimit("300 per 30", "--rate-limit")).toThrow(
      /--rate-limit "300 per 30" is not <requests>\/<seconds>\. Fix: e\.g\. 1200\/300/,
    );
    expect(() => parseRateLimit("0/30", "--rate-limit")).toThrow(/--rate-limit must be at least 1 whole request/);
    await expect(startSandbox({ fixture: { ...defaultFixture(), rate_limit: "fast" } })).rejects.toThrow(
      /rate_limit: rate_limit "fast" is not <requests>\/<seconds>/,
    );
  });
});

describe("rateLimitHeaders", () => {
  const spend = async (client: SandboxClient, n: number) => {
    for (let i = 0; i < n; i += 1) await client.get("/user");
  };

  it("static (default, as measured live in 2026): the same figures whatever was spent, a list_zones item on GET /zones, none on the verify routes; the budget still holds", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const client = new SandboxClient(sandbox);
    for (let i = 0; i < BUDGET.requests; i += 1) {
      const answer = await client.get("/user");
      expect(answer.headers.get("ratelimit")).toBe('"default";r=2;t=1');
      expect(answer.headers.get("ratelimit-policy")).toBe('"default";q=3;w=10');
    }
    await client.advanceClock(10);
    const zones = await client.get("/zones?per_page=5");
    expect([zones.headers.get("ratelimit"), zones.headers.get("ratelimit-policy")]).toEqual([
      '"list_zones";r=3;t=1',
      '"list_zones";q=4;w=10',
    ]);
    const verify = await client.get("/user/tokens/verify");
    expect([verify.headers.get("ratelimit"), verify.headers.get("ratelimit-policy")]).toEqual([null, null]);
    await spend(client, 1);
    const refused = await client.get("/user");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(refused.headers.get("ratelimit")).toBe('"default";r=2;t=1');
  });

  it("accurate: counted down on every answer, the verify routes and GET /zones included", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET, behaviours: { rateLimitHeaders: "accurate" } });
    const client = new SandboxClient(sandbox);
    expect((await client.get("/user/tokens/verify")).headers.get("ratelimit")).toBe('"default";r=2;t=10');
    expect((await client.get("/zones?per_page=5")).headers.get("ratelimit")).toBe('"default";r=1;t=10');
    expect((await client.get("/user")).headers.get("ratelimit-policy")).toBe('"default";q=3;w=10');
  });

  it("absent: no rate-limit headers at all, and a refusal still carries retry-after", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET, behaviours: { rateLimitHeaders: "absent" } });
    const client = new SandboxClient(sandbox);
    const answers = [await client.get("/user"), await client.get("/zones?per_page=5"), await client.get("/user/tokens/verify")];
    expect(answers.map((a) => [a.status, a.headers.get("ratelimit"), a.headers.get("ratelimit-policy")])).toEqual([
      [200, null, null],
      [200, null, null],
      [200, null, null],
    ]);
    const refused = await client.get("/user");
    expect([refused.status, refused.headers.get("retry-after"), refused.headers.get("ratelimit")]).toEqual([429, "10", null]);
  });
});

describe("fleet fixtures (accounts: n)", () => {
  it("adds accounts the provisioner's user administers, and the provisioner creates account tokens on each", async () => {
    sandbox = await startSandbox({ accounts: 5, zones: 10 });
    const client = new SandboxClient(sandbox);
    expect(sandbox.fixture.accounts).toHaveLength(2 + 5);
    const fleet = sandbox.fixture.accounts.slice(2);
    for (const account of fleet) {
      expect(sandbox.fixture.memberships.find((m) => m.account_id === account.id)?.roles).toEqual(["Super Administrator - All Privileges"]);
      expect(account.members.map((m) => [m.user.id, m.roles])).toEqual([
        [sandbox.fixture.user.id, ["Super Administrator - All Privileges"]],
      ]);
      expect(sandbox.fixture.zones.some((z) => z.account_id === account.id)).toBe(true);
    }
    const memberships = await client.get("/memberships?per_page=50");
    expect(memberships.body.result_info.total_count).toBe(7);
    const last = fleet.at(-1)!;
    const token = await client.createToken(
      { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(last.id)]: "*" } }] },
      last.id,
    );
    expect((await client.get(`/accounts/${last.id}/tokens/verify`, token.value)).status).toBe(200);
  });

  it("is deterministic and refuses a negative count", () => {
    expect(withGeneratedAccounts(defaultFixture(), 3)).toEqual(withGeneratedAccounts(defaultFixture(), 3));
    expect(() => withGeneratedAccounts(defaultFixture(), -1)).toThrow(/accounts must be a whole number ≥ 0, got -1/);
  });
});
