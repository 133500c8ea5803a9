import { afterEach, describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { RateBudgets, PROVISIONER_USER, type PacingEvent, type RequestBudget } from "../../src/cloudflare/pacing";
import { startSandbox, type BehaviourOverrides, type RunningSandbox } from "../../src/sandbox";
import { injectFault, sandboxPacingClock, controlFetch } from "../../src/sandbox/control-client";

// A tight budget; waiting moves the sandbox's clock, so nothing here waits for real or is timed.
const BUDGET = { requests: 30, windowSeconds: 10 };

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const stats = async (sb: RunningSandbox) =>
  (await (await controlFetch(sb.control, "/stats")).json()) as { total: number; refusedByPrincipal: Record<string, number> };

/** Budgets on the sandbox's clock, recording what the run would say. */
function budgetsFor(sb: RunningSandbox, budget?: RequestBudget) {
  const events: PacingEvent[] = [];
  const budgets = new RateBudgets(sandboxPacingClock(sb.control), budget, (e) => events.push(e));
  return { budgets, events };
}

/** A client of the provisioner's user that waits out refusals (as a fleet run does), pacing on the sandbox's clock. */
function waitingClient(sb: RunningSandbox, budgets: RateBudgets) {
  return createCloudflareClient({
    apiToken: sb.provisionerToken,
    baseUrl: sb.baseUrl,
    budget: budgets.for(PROVISIONER_USER),
    waitOutRefusals: true,
    maxRetries: 0,
  });
}

const injectRateLimit = (sb: RunningSandbox, fault: { retryAfterSeconds: number; count: number }) =>
  injectFault(sb.control, { kind: "rate_limit", ...fault });

const HEADER_BEHAVIOURS = ["static", "accurate", "absent"] as const;

describe.each(HEADER_BEHAVIOURS)("pacing when the rate-limit headers are %s", (rateLimitHeaders) => {
  const behaviours: BehaviourOverrides = { rateLimitHeaders };

  it("with the budget given (--rate-budget 30/10): two clients of one user, 100 concurrent requests, none refused", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET, behaviours });
    const { budgets } = budgetsFor(sandbox, BUDGET);
    const clients = [0, 1].map(() =>
      createCloudflareClient({ apiToken: sandbox!.provisionerToken, baseUrl: sandbox!.baseUrl, budget: budgets.for(PROVISIONER_USER) }),
    );
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => clients[i % 2]!.verifyToken({ kind: "user" })));
    expect(answers.every((a) => a.status === "active")).toBe(true);
    expect(await stats(sandbox)).toMatchObject({ total: 100, refusedByPrincipal: {} });
    expect(budgets.for(PROVISIONER_USER).status()).toMatchObject({ principal: PROVISIONER_USER, quota: 30, refused: 0, sent: 100 });
  });

  it("a 429 caused by another client's spending blocks the principal until its retry-after, said once; the requests then resume", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET, behaviours });
    const { budgets, events } = budgetsFor(sandbox);
    const client = waitingClient(sandbox, budgets);
    await client.get("/memberships");
    // Someone else, unpaced, spends the whole budget behind our back.
    const headers = { authorization: `Bearer ${sandbox.provisionerToken}` };
    for (let i = 0; i < BUDGET.requests; i += 1) await fetch(`${sandbox.baseUrl}/user/tokens/verify`, { headers });
    const after = await Promise.all(Array.from({ length: 5 }, () => client.verifyToken({ kind: "user" })));
    expect(after.every((a) => a.status === "active")).toBe(true);
    expect(budgets.for(PROVISIONER_USER).status().refused).toBeGreaterThanOrEqual(1);
    const blocks = events.filter((e) => e.kind === "blocked");
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ principal: PROVISIONER_USER, retryAfterGiven: true });
  });
});

describe("pacing without a budget given", () => {
  it.each(["static", "accurate"] as const)(
    "rateLimitHeaders=%s: the Ratelimit-Policy of an ordinary answer teaches a stricter limit, and nothing is refused",
    async (rateLimitHeaders) => {
      sandbox = await startSandbox({ rateLimit: { requests: 7, windowSeconds: 3 }, behaviours: { rateLimitHeaders } });
      const { budgets } = budgetsFor(sandbox);
      const client = waitingClient(sandbox, budgets);
      await client.get("/memberships");
      await Promise.all(Array.from({ length: 50 }, () => client.get("/memberships")));
      expect((await stats(sandbox)).refusedByPrincipal).toEqual({});
      expect(budgets.for(PROVISIONER_USER).status()).toMatchObject({ quota: 7, refused: 0 });
    },
  );

  it("rateLimitHeaders=absent: nothing says the limit, so the first refusal blocks for its retry-after, once, and the run resumes", async () => {
    sandbox = await startSandbox({
      rateLimit: { requests: 7, windowSeconds: 3 },
      behaviours: { rateLimitHeaders: "absent", rateLimitRefusal: "fixed-window" },
    });
    const { budgets, events } = budgetsFor(sandbox);
    const client = waitingClient(sandbox, budgets);
    for (let i = 0; i < 10; i += 1) await client.get("/memberships");
    expect(budgets.for(PROVISIONER_USER).status()).toMatchObject({ refused: 1, sent: 11 });
    expect(events.map((e) => e.kind)).toEqual(["blocked"]);
  });
});

describe("pacing's bounds", () => {
  it("a 429 asking for longer than a rate-limit block is reported, not slept through; later requests of that principal are not sent until it ends", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const { budgets } = budgetsFor(sandbox);
    const client = waitingClient(sandbox, budgets);
    await client.verifyToken({ kind: "user" });
    await injectRateLimit(sandbox, { retryAfterSeconds: 3600, count: 1 });
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({
      kind: "rate_limited",
      status: 429,
      retryAfterSeconds: 3600,
    });
    // Cloudflare blocks the principal, whoever asks: the next request is refused before it is sent.
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({
      kind: "rate_limited",
      message: expect.stringMatching(
        /^not sent: user:provisioner's rate-limit budget is spent for the next 3\d{3} s \(blocked by Cloudflare\)/,
      ),
    });
    expect((await stats(sandbox)).total).toBe(2);
  });

  it("gives up on a request refused five times in a row, naming the wait", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const client = waitingClient(sandbox, budgetsFor(sandbox).budgets);
    await injectRateLimit(sandbox, { retryAfterSeconds: 2, count: 50 });
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({ kind: "rate_limited", status: 429 });
    expect((await stats(sandbox)).total).toBe(6);
  });

  it("without waitOutRefusals, a budget spent for longer than the client waits is reported before sending", async () => {
    sandbox = await startSandbox({ rateLimit: { requests: 2, windowSeconds: 300 } });
    const budgets = new RateBudgets(undefined, { requests: 2, windowSeconds: 300 });
    const client = createCloudflareClient({
      apiToken: sandbox.provisionerToken,
      baseUrl: sandbox.baseUrl,
      maxRetries: 0,
      budget: budgets.for(PROVISIONER_USER),
    });
    await client.verifyToken({ kind: "user" });
    await client.verifyToken({ kind: "user" });
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({
      kind: "rate_limited",
      message: expect.stringMatching(/^not sent: .*budget is spent for the next \d+ s \(counted by cfct: 2 requests per 300 s\)/),
    });
    expect((await stats(sandbox)).total).toBe(2);
  });
});
