import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RateBudgets } from "../../src/cloudflare/pacing";
import { ACME_CORP, checksById, control, issueToken, planFor, specFromPlan, verifyPlanned } from "../helpers/verify";
import { useSandbox } from "../helpers/sandbox";

/** 429 and transient failures: retried within bounds, honouring retry-after, never hammering. */

const sb = useSandbox();
let value: string;
let healthyCalls: number;
const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
const VERIFY_ROUTE = `/accounts/${ACME_CORP}/tokens/verify`;

beforeAll(async () => {
  ({ value } = await issueToken(sb, specFromPlan(sb, ascera!)));
  healthyCalls = (await verifyPlanned(sb, ascera!, value)).apiCalls;
});
afterEach(async () => {
  await control(sb, "/faults", undefined, "DELETE");
});

describe("rate limits and transient errors", () => {
  it("a 429 storm then success: waits retry-after each time, succeeds, and counts every retry", async () => {
    await control(sb, "/faults", { match: { path: VERIFY_ROUTE }, count: 3, kind: "rate_limit", retryAfterSeconds: 1 });
    await control(sb, "/stats/reset", {});
    const started = Date.now();
    const report = await verifyPlanned(sb, ascera!, value);
    const elapsed = Date.now() - started;
    expect(report.ok).toBe(true);
    expect(checksById(report).liveness!.status).toBe("pass");
    expect(report.apiCalls).toBe(healthyCalls + 3);
    expect(elapsed).toBeGreaterThanOrEqual(2900); // three retry-after: 1 waits
    const stats = await control(sb, "/stats");
    expect(stats.rateLimited).toBe(3);
    expect(stats.total).toBe(report.apiCalls);
  });

  it("a storm longer than the retry budget: a clear rate-limit diagnosis after a bounded number of calls", async () => {
    await control(sb, "/faults", { match: { path: VERIFY_ROUTE }, count: 50, kind: "rate_limit", retryAfterSeconds: 0 });
    const report = await verifyPlanned(sb, ascera!, value, { client: { maxRetries: 2 } });
    const liveness = checksById(report).liveness!;
    expect(liveness.status).toBe("fail");
    expect(liveness.detail).toContain("was rate-limited by Cloudflare (HTTP 429, retry-after 0s) after bounded retries");
    expect(liveness.remedy).toMatch(/^Wait/);
    expect(report.apiCalls).toBe(1 + 3); // the anonymous endpoint check, then verify and its 2 retries
  });

  it("a retry-after longer than the client will wait is surfaced at once, not slept on", async () => {
    await control(sb, "/faults", { match: { path: VERIFY_ROUTE }, count: 1, kind: "rate_limit", retryAfterSeconds: 3600 });
    // Whatever waits, waits through the budget's clock (the SDK is told not to retry): record it instead of timing the run.
    const waits: number[] = [];
    const clock = {
      now: () => Date.now(),
      sleepUntil: async (ms: number) => {
        waits.push(ms);
        throw new Error("verify waited on its budget");
      },
    };
    const report = await verifyPlanned(sb, ascera!, value, { budgets: new RateBudgets(clock) });
    expect(waits).toEqual([]);
    expect(checksById(report).liveness!.detail).toContain("retry-after 3600s");
    expect(checksById(report).liveness!.remedy).toMatch(/^Wait 3600 seconds and run cfct verify again/);
    expect(report.apiCalls).toBe(2);
  });

  it("transient 503s and a dropped connection are retried and the token verifies", async () => {
    await control(sb, "/faults", { match: { path: "/accounts/{account_id}/access/users" }, count: 2, kind: "status", status: 503 });
    await control(sb, "/faults", { match: { path: "/accounts/{account_id}/members" }, count: 1, kind: "reset" });
    const report = await verifyPlanned(sb, ascera!, value);
    expect(report.ok).toBe(true);
    expect(report.apiCalls).toBe(healthyCalls + 3);
  });

  it("a persistent server error fails the probe it hit, and says to retry later", async () => {
    await control(sb, "/faults", { match: { path: "/accounts/{account_id}/access/users" }, count: 10, kind: "status", status: 502 });
    const report = await verifyPlanned(sb, ascera!, value, { client: { maxRetries: 1 } });
    const probe = checksById(report)["probe:Access: Audit Logs Read"]!;
    expect(probe.status).toBe("fail");
    expect(probe.detail).toMatch(/failed with a Cloudflare server error \(HTTP 502: 10001 Service error injected/);
    expect(probe.remedy).toMatch(/^Retry later/);
  });
});
