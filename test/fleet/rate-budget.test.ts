import { describe, expect, it } from "vitest";
import { RateBudget, type PacingClock } from "../../src/cloudflare/pacing";

/** A clock that only moves when slept on: every wait is explicit and instant. */
function fakeClock(): PacingClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleepUntil(ms) {
      if (ms > now) {
        slept.push(ms - now);
        now = ms;
      }
    },
  };
}

const answer = (remaining: number, reset: number, status = 200, extra: Record<string, string> = {}) => ({
  status,
  headers: new Headers({ ratelimit: `"default";r=${remaining};t=${reset}`, "ratelimit-policy": '"default";q=3;w=10', ...extra }),
});

describe("RateBudget", () => {
  it("sends one request at a time until an answer says what the budget is", async () => {
    const budget = new RateBudget("p", fakeClock());
    const first = await budget.acquire();
    let secondTaken = false;
    const second = budget.acquire().then((permit) => ((secondTaken = true), permit));
    await Promise.resolve();
    expect(secondTaken).toBe(false);
    budget.settle(first, answer(2, 10));
    budget.settle(await second, answer(1, 10));
    expect(budget.status()).toMatchObject({ remaining: 1, quota: 3, resetsInSeconds: 10, windows: 1, sent: 2 });
  });

  it("waits for the reset once the budget is spent, then has the whole quota again", async () => {
    const clock = fakeClock();
    const waits: number[] = [];
    const budget = new RateBudget("p", clock, (_p, seconds) => waits.push(seconds));
    for (const remaining of [2, 1, 0]) budget.settle(await budget.acquire(), answer(remaining, 10));
    budget.settle(await budget.acquire(), answer(2, 10));
    expect(clock.slept).toEqual([10_000]);
    expect(waits).toEqual([10]);
    expect(budget.status()).toMatchObject({ windows: 2, remaining: 2, sent: 4 });
  });

  it("an answer from an older window cannot speak for the new one", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock);
    budget.settle(await budget.acquire(), answer(2, 10));
    const late = await budget.acquire();
    await clock.sleepUntil(10_000);
    const fresh = await budget.acquire();
    // The late answer says 0 left and 1 s to go; it belongs to the first window and is ignored.
    budget.settle(late, answer(0, 1));
    budget.settle(fresh, answer(2, 10));
    expect(budget.status()).toMatchObject({ remaining: 2, resetsInSeconds: 10 });
  });

  it("a 429 blocks the budget for its retry-after, and counts as refused", async () => {
    const clock = fakeClock();
    const budget = new RateBudget("p", clock);
    budget.settle(await budget.acquire(), answer(0, 10, 429, { "retry-after": "300" }));
    budget.settle(await budget.acquire(), answer(2, 10));
    expect(clock.slept).toEqual([300_000]);
    expect(budget.status()).toMatchObject({ refused: 1, windows: 2 });
  });

  it("a connection that failed without an answer frees its place", async () => {
    const budget = new RateBudget("p", fakeClock());
    budget.settle(await budget.acquire(), undefined);
    budget.settle(await budget.acquire(), answer(2, 10));
    expect(budget.status()).toMatchObject({ remaining: 2, sent: 2 });
  });
});
