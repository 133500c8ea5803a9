import { describe, expect, it } from "vitest";
import { BudgetSpentError, RateBudget, readRateLimitHeaders, type PacingClock, type PacingEvent } from "../../src/cloudflare/pacing";

/** A clock that only moves when slept on: every wait is explicit and instant. */
function fakeClock(): PacingClock & { slept: number[]; advance(ms: number): void } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    advance: (ms) => void (now += ms),
    async sleepUntil(ms) {
      if (ms > now) {
        slept.push(ms - now);
        now = ms;
      }
    },
  };
}

const BUDGET = { requests: 3, windowSeconds: 10 };
const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers: new Headers(headers) });
/** What live Cloudflare answers in 2026: the same figures whatever was spent. */
const STATIC = { ratelimit: '"default";r=1199;t=1', "ratelimit-policy": '"default";q=1200;w=300' };

/** Sends `n` requests one after another, each answered with `reply`. */
async function send(budget: RateBudget, n: number, reply = answer(200)) {
  for (let i = 0; i < n; i += 1) budget.settle(await budget.acquire(), reply);
}

describe("RateBudget counts its own requests", () => {
  it("sends the budget, then waits until the oldest answered request has left the sliding window", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, BUDGET);
    await send(budget, 3);
    expect(clock.slept).toEqual([]);
    clock.advance(4_000);
    await send(budget, 1);
    expect(clock.slept).toEqual([6_000]);
    expect(budget.status()).toMatchObject({ sent: 4, quota: 3, remaining: 2, windows: 2 });
  });

  it("headers that say plenty is left, whatever was spent (live Cloudflare), do not raise the budget", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, BUDGET);
    await send(budget, 6, answer(200, STATIC));
    expect(clock.slept).toEqual([10_000]);
  });

  it("with no rate-limit headers at all, the budget alone paces", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, BUDGET);
    await send(budget, 7);
    expect(clock.slept).toEqual([10_000, 10_000]);
  });

  it("a Ratelimit header that leaves fewer lowers what is available until its reset", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, { requests: 100, windowSeconds: 300 });
    // Another client spent the budget: one request is left, for the next 20 s.
    budget.settle(await budget.acquire(), answer(200, { ratelimit: '"default";r=1;t=20' }));
    await send(budget, 2);
    expect(clock.slept).toEqual([20_000]);
  });

  it("a stricter Ratelimit-Policy adds its limit; a looser one (an enterprise figure) changes nothing", async () => {
    const clock = fakeClock();
    const strict = new RateBudget("p", clock, { requests: 1200, windowSeconds: 300 });
    strict.settle(await strict.acquire(), answer(200, { "ratelimit-policy": '"default";q=2;w=30' }));
    await send(strict, 2);
    expect(clock.slept).toEqual([30_000]);

    const other = fakeClock();
    const loose = new RateBudget("p", other, BUDGET);
    loose.settle(await loose.acquire(), answer(200, { "ratelimit-policy": '"default";q=4000;w=300' }));
    await send(loose, 3);
    expect(other.slept).toEqual([10_000]);
  });

  it("an item of another name (GET /zones' \"list_zones\") says nothing about the principal's budget", () => {
    const zones = new Headers({ ratelimit: '"list_zones";r=1200;t=1', "ratelimit-policy": '"list_zones";q=1201;w=300' });
    expect(readRateLimitHeaders(zones)).toEqual({});
    const both = new Headers({ ratelimit: '"list_zones";r=1200;t=1, "default";r=7;t=30', "ratelimit-policy": '"default";q=1200;w=300' });
    expect(readRateLimitHeaders(both)).toEqual({ remaining: 7, resetSeconds: 30, quota: 1200, windowSeconds: 300 });
  });

  it("a request that got no answer still counts: it may have reached Cloudflare", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, BUDGET);
    budget.settle(await budget.acquire(), undefined);
    await send(budget, 3);
    expect(clock.slept).toEqual([10_000]);
  });

  it("concurrent callers never hold more than the budget between them", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, BUDGET);
    const permits = await Promise.all([budget.acquire(), budget.acquire(), budget.acquire()]);
    let fourth = false;
    const pending = budget.acquire().then((p) => ((fourth = true), p));
    await Promise.resolve();
    expect(fourth).toBe(false);
    for (const permit of permits) budget.settle(permit, answer(200));
    budget.settle(await pending, answer(200));
    expect(clock.slept).toEqual([10_000]);
  });
});

describe("RateBudget and Cloudflare's refusals", () => {
  it("a 429 blocks the principal until its retry-after, said once with the time it resumes", async () => {
    const clock = fakeClock();
    const events: PacingEvent[] = [];
    const budget = new RateBudget("p", clock, BUDGET, (e) => events.push(e));
    const [a, b] = await Promise.all([budget.acquire(), budget.acquire()]);
    budget.settle(a, answer(429, { "retry-after": "30" }));
    budget.settle(b, answer(429, { "retry-after": "30" }));
    await send(budget, 1);
    expect(clock.slept).toEqual([30_000]);
    expect(events).toEqual([{ kind: "blocked", principal: "p", resumesAt: 30_000, retryAfterGiven: true }]);
    expect(budget.status()).toMatchObject({ refused: 2 });
  });

  it("a 429 without retry-after blocks for Cloudflare's documented five minutes, whatever its headers say", async () => {
    const clock = fakeClock();
    const events: PacingEvent[] = [];
    const budget = new RateBudget("p", clock, BUDGET, (e) => events.push(e));
    budget.settle(await budget.acquire(), answer(429, STATIC));
    await send(budget, 1);
    expect(clock.slept).toEqual([300_000]);
    expect(events).toEqual([{ kind: "blocked", principal: "p", resumesAt: 300_000, retryAfterGiven: false }]);
  });

  it("a wait longer than the caller accepts is refused before sending, naming how long and why", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock, BUDGET);
    budget.settle(await budget.acquire(), answer(429, { "retry-after": "3600" }));
    const refused = await budget.acquire(60_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BudgetSpentError);
    expect((refused as Error).message).toBe("not sent: p's rate-limit budget is spent for the next 3600 s (blocked by Cloudflare)");
    await send(budget, 3);
    const spent = await budget.acquire(5_000).catch((e: unknown) => e);
    expect((spent as Error).message).toMatch(
      /^not sent: p's rate-limit budget is spent for the next \d+ s \(counted by cfct: 3 requests per 10 s\)$/,
    );
    expect(budget.status().sent).toBe(4);
  });

  it("says once per wave that its own count is spent, with when it sends again", async () => {
    const clock = fakeClock();
    const events: PacingEvent[] = [];
    const budget = new RateBudget("p", clock, BUDGET, (e) => events.push(e));
    const spaced = async () => {
      for (let i = 0; i < 3; i += 1) {
        await send(budget, 1);
        clock.advance(1_000);
      }
    };
    // Answers 1 s apart: the fourth request waits for the first to leave the window.
    await spaced();
    await spaced();
    expect(clock.slept).toEqual([7_000]);
    expect(events).toEqual([{ kind: "budget-spent", principal: "p", budget: BUDGET, resumesAt: 10_000 }]);
    // Once the window has emptied, spending it again is a new wave.
    clock.advance(60_000);
    await send(budget, 4);
    expect(events).toHaveLength(2);
  });
});
