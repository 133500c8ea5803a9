import { afterEach, describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { RateBudgets, PROVISIONER_USER, readRateLimitHeaders } from "../../src/cloudflare/pacing";
import { startSandbox, type RunningSandbox } from "../../src/sandbox";
import { injectFault, sandboxPacingClock } from "../../src/sandbox/control-client";

// A tight budget; waiting moves the sandbox's clock, so nothing here waits for real or is timed.
const BUDGET = { requests: 30, windowSeconds: 10 };

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const stats = async (sb: RunningSandbox) =>
  (await (await fetch(`${sb.controlUrl}/stats`)).json()) as { total: number; refusedByPrincipal: Record<string, number> };

/** A client of the provisioner's user that waits out refusals (as a fleet run does), pacing on the sandbox's clock. */
function waitingClient(sb: RunningSandbox) {
  const budgets = new RateBudgets(sandboxPacingClock(sb.controlUrl));
  return createCloudflareClient({
    apiToken: sb.provisionerToken,
    baseUrl: sb.baseUrl,
    budget: budgets.for(PROVISIONER_USER),
    waitOutRefusals: true,
    maxRetries: 0,
  });
}

const injectRateLimit = (sb: RunningSandbox, fault: { retryAfterSeconds: number; count: number }) =>
  injectFault(sb.controlUrl, { kind: "rate_limit", ...fault });

describe("pacing by Cloudflare's headers", () => {
  it("reads Ratelimit and Ratelimit-Policy", () => {
    const headers = new Headers({ ratelimit: '"default";r=50;t=30', "ratelimit-policy": '"burst";q=100;w=60' });
    expect(readRateLimitHeaders(headers)).toEqual({ remaining: 50, resetSeconds: 30, quota: 100, windowSeconds: 60 });
    expect(readRateLimitHeaders(new Headers())).toEqual({});
  });

  it("two clients of one user, 100 concurrent requests over a 30/10 budget: none refused, four windows", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const budgets = new RateBudgets(sandboxPacingClock(sandbox.controlUrl));
    const clients = [0, 1].map(() =>
      createCloudflareClient({ apiToken: sandbox!.provisionerToken, baseUrl: sandbox!.baseUrl, budget: budgets.for(PROVISIONER_USER) }),
    );
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => clients[i % 2]!.verifyToken({ kind: "user" })));
    expect(answers.every((a) => a.status === "active")).toBe(true);
    expect(await stats(sandbox)).toMatchObject({ total: 100, refusedByPrincipal: {} });
    expect(budgets.for(PROVISIONER_USER).status()).toMatchObject({ principal: PROVISIONER_USER, quota: 30, windows: 4, refused: 0 });
  });

  it("under either refusal behaviour, and with no figure assumed: the budget comes from the headers", async () => {
    sandbox = await startSandbox({ rateLimit: { requests: 7, windowSeconds: 3 }, behaviours: { rateLimitRefusal: "fixed-window" } });
    const budgets = new RateBudgets(sandboxPacingClock(sandbox.controlUrl));
    const client = createCloudflareClient({
      apiToken: sandbox.provisionerToken,
      baseUrl: sandbox.baseUrl,
      budget: budgets.for(PROVISIONER_USER),
    });
    await Promise.all(Array.from({ length: 50 }, () => client.verifyToken({ kind: "user" })));
    expect((await stats(sandbox)).refusedByPrincipal).toEqual({});
    expect(budgets.for(PROVISIONER_USER).status()).toMatchObject({ quota: 7, windows: 8 });
  });

  it("a 429 caused by another client's spending is waited out and the request resumes (waitOutRefusals)", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const waits: number[] = [];
    const budgets = new RateBudgets(sandboxPacingClock(sandbox.controlUrl), (_principal, seconds) => waits.push(seconds));
    const client = createCloudflareClient({
      apiToken: sandbox.provisionerToken,
      baseUrl: sandbox.baseUrl,
      budget: budgets.for(PROVISIONER_USER),
      waitOutRefusals: true,
      maxRetries: 0,
    });
    await client.verifyToken({ kind: "user" });
    // Someone else, unpaced, spends the whole budget behind our back.
    const headers = { authorization: `Bearer ${sandbox.provisionerToken}` };
    for (let i = 0; i < BUDGET.requests; i += 1) await fetch(`${sandbox.baseUrl}/user/tokens/verify`, { headers });
    const after = await Promise.all(Array.from({ length: 5 }, () => client.verifyToken({ kind: "user" })));
    expect(after.every((a) => a.status === "active")).toBe(true);
    const budget = budgets.for(PROVISIONER_USER).status();
    expect(budget.refused).toBeGreaterThanOrEqual(1);
    expect(waits.some((seconds) => seconds >= BUDGET.windowSeconds - 1)).toBe(true);
  });

  it("a 429 asking for longer than a rate-limit block is reported, not slept through, and leaves the budget usable", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const client = waitingClient(sandbox);
    await client.verifyToken({ kind: "user" });
    await injectRateLimit(sandbox, { retryAfterSeconds: 3600, count: 1 });
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({
      kind: "rate_limited",
      status: 429,
      retryAfterSeconds: 3600,
    });
    // The refusal was not taught to the budget: the next request goes at once.
    await expect(client.verifyToken({ kind: "user" })).resolves.toMatchObject({ status: "active" });
  });

  it("gives up on a request refused five times in a row, naming the wait", async () => {
    sandbox = await startSandbox({ rateLimit: BUDGET });
    const client = waitingClient(sandbox);
    await injectRateLimit(sandbox, { retryAfterSeconds: 2, count: 50 });
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({ kind: "rate_limited", status: 429 });
    expect((await stats(sandbox)).total).toBe(6);
  });

  it("without waitOutRefusals, a budget spent for longer than the client waits is reported before sending", async () => {
    sandbox = await startSandbox({ rateLimit: { requests: 2, windowSeconds: 300 } });
    const client = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl, maxRetries: 0 });
    await client.verifyToken({ kind: "user" });
    await client.verifyToken({ kind: "user" });
    await expect(client.verifyToken({ kind: "user" })).rejects.toMatchObject({
      kind: "rate_limited",
      message: expect.stringMatching(/^not sent: .*budget is spent for the next \d+ s/),
    });
    expect((await stats(sandbox)).total).toBe(2);
  });
});
