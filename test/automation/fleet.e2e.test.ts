import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runUp, type ProgressStatus, type PipelineContext } from "../../src/automation/pipeline";
import { PROVISIONER_USER, type RequestBudget } from "../../src/cloudflare/pacing";
import type { RunningSandbox } from "../../src/sandbox";
import { startWebhookReceiver, type WebhookReceiver } from "../../src/demo/webhook-receiver";
import { advanceClock, sandboxPacingClock, controlFetch } from "../../src/sandbox/control-client";
import { Crash, WEBHOOK_SECRET, WEBHOOK_SECRET_ENV, pipelineFor, testProject, type TestProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";

/**
 * A fleet under a tight budget (30 requests per 10 s per principal): the run is paced so Cloudflare
 * refuses nothing, and a run killed half-way is picked up by the next. Waiting moves the sandbox's
 * clock, so nothing waits for real and nothing is timed.
 */
const FLEET = 12;
const BUDGET = { requests: 30, windowSeconds: 10 };

const sandbox = useSandbox({ accounts: FLEET, zones: 24, rateLimit: BUDGET });
const SPENT =
  /^rate limit: the provisioner's user has sent its budget of 30 requests per 10 s \(counted by cfct\); it sends again from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, as earlier requests leave the window$/;
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver(WEBHOOK_SECRET);
});
afterAll(async () => {
  await hook?.close();
});

function fleetProject(stack: string, running = sandbox): TestProject {
  const project = testProject(stack);
  const accounts = running.fixture.accounts.map((a) => a.id);
  project.writeConfig({
    connections: [
      { platform: "ascera", accounts, registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV } },
      { platform: "drata", accounts: [accounts[0]], zones: [running.fixture.zones.find((z) => z.account_id === accounts[0])!.name] },
    ],
  });
  return project;
}

function fleetPipeline(
  project: TestProject,
  lines: string[],
  statuses: ProgressStatus[] = [],
  { running = sandbox, rateBudget }: { running?: RunningSandbox; rateBudget?: RequestBudget } = {},
) {
  const pipeline = pipelineFor(running, project, lines, {
    pacingClock: sandboxPacingClock(running.control),
    ...(rateBudget ? { rateBudget } : {}),
  });
  return { pipeline, context: { ...pipeline.context, status: (s: ProgressStatus) => statuses.push(s) } satisfies PipelineContext };
}

async function refused(running = sandbox): Promise<Record<string, number>> {
  return ((await (await controlFetch(running.control, "/stats")).json()) as { refusedByPrincipal: Record<string, number> })
    .refusedByPrincipal;
}

/** A registrar that kills the run before its (n+1)-th registration, as a kill -9 between tokens would. */
function killedAfterRegistrations(ctx: PipelineContext, n: number): PipelineContext {
  let registrations = 0;
  return {
    ...ctx,
    registrarFor: (connection) => {
      const registrar = ctx.registrarFor(connection);
      return {
        kind: registrar.kind,
        register: async (request) => {
          if (registrations === n) throw new Crash(`killed before registration #${n + 1}`);
          registrations += 1;
          return registrar.register(request);
        },
      };
    },
  };
}

describe("a fleet under a tight rate limit", () => {
  it("one cfct up deploys, verifies and registers every token, paced so that no request is refused", async () => {
    const project = fleetProject("fleet");
    const lines: string[] = [];
    const statuses: ProgressStatus[] = [];
    const { pipeline, context } = fleetPipeline(project, lines, statuses);
    const summary = await runUp(context);

    expect(summary.problems).toEqual([]);
    expect(summary.tokens).toHaveLength(FLEET + 2 + 1);
    expect(summary.tokens.every((t) => t.verify?.ok && t.registration && t.registration.status !== "failed")).toBe(true);
    expect(summary.pickedUp).toBe(0);
    expect(await refused()).toEqual({});
    // The provisioner's budget was spent and waited for, several times over: pacing did the work, not luck.
    const provisioner = pipeline.budgets.for(PROVISIONER_USER).status();
    expect(provisioner).toMatchObject({ quota: BUDGET.requests, refused: 0 });
    expect(provisioner.windows).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => SPENT.test(l)).length).toBeGreaterThan(0);
    expect(statuses.map((s) => s.done)).toEqual(Array.from({ length: FLEET + 3 }, (_, i) => i + 1));
    expect(statuses.every((s) => s.total === FLEET + 3 && s.step === "verify and register")).toBe(true);
  });

  it("a run killed mid-fleet leaves tokens deployed but unregistered; the next cfct up picks them up and says how many", async () => {
    const project = fleetProject("resume");
    const first = fleetPipeline(project, []);
    await expect(runUp(killedAfterRegistrations(first.context, 5))).rejects.toThrow(Crash);
    const deliveredBefore = new Set(hook.deliveries.filter((d) => d.tokenKey.startsWith("ascera")).map((d) => d.tokenId));
    // The operator re-runs a while later. (Straight away, a new process cannot know the killed one spent
    // the window until its first answer; that one 429 would be waited out, as the pacing test shows.)
    await advanceClock(sandbox.control, BUDGET.windowSeconds);
    await controlFetch(sandbox.control, "/stats/reset", { method: "POST" });

    const lines: string[] = [];
    const second = fleetPipeline(project, lines);
    const summary = await runUp(second.context);
    const total = FLEET + 3;
    expect(summary.problems).toEqual([]);
    expect(summary.pickedUp).toBe(total - 5);
    expect(lines).toContain(`resuming: picked up ${total - 5} token(s) an earlier run deployed but did not verify and register`);
    // Nothing was deployed again: the tokens of the killed run are the ones verified and registered now.
    expect(summary.tokens.every((t) => t.change === "same")).toBe(true);
    expect(summary.tokens.filter((t) => t.registration).length).toBe(total - 5);
    expect(summary.tokens.every((t) => t.verify === undefined || t.verify.ok)).toBe(true);
    const deliveredNow = hook.deliveries.filter((d) => !deliveredBefore.has(d.tokenId)).length;
    expect(deliveredNow).toBeGreaterThan(0);
    expect(await refused()).toEqual({});

    // A third run has nothing left to pick up.
    const third = await runUp(fleetPipeline(project, []).context);
    expect(third.pickedUp).toBe(0);
    expect(third.tokens.every((t) => t.registration === undefined)).toBe(true);
  });
});

// The same fleet when the headers count the budget down (accurate), and when there are none at all:
// then only the budget given (--rate-budget) can say what the sandbox's tighter limit is.
describe.each([
  { rateLimitHeaders: "accurate" as const, rateBudget: undefined, given: "" },
  { rateLimitHeaders: "absent" as const, rateBudget: BUDGET, given: " with --rate-budget 30/10" },
])("a fleet under a tight rate limit when the headers are $rateLimitHeaders", ({ rateLimitHeaders, rateBudget, given }) => {
  const running = useSandbox({ accounts: FLEET, zones: 24, rateLimit: BUDGET, behaviours: { rateLimitHeaders } });

  it(`one cfct up${given} deploys, verifies and registers every token, and no request is refused`, async () => {
    const project = fleetProject(`fleet-${rateLimitHeaders}`, running);
    const lines: string[] = [];
    const { pipeline, context } = fleetPipeline(project, lines, [], { running, ...(rateBudget ? { rateBudget } : {}) });
    const summary = await runUp(context);
    expect(summary.problems).toEqual([]);
    expect(summary.tokens.every((t) => t.verify?.ok && t.registration && t.registration.status !== "failed")).toBe(true);
    expect(await refused(running)).toEqual({});
    expect(pipeline.budgets.for(PROVISIONER_USER).status()).toMatchObject({ quota: BUDGET.requests, refused: 0 });
    expect(lines.filter((l) => SPENT.test(l)).length).toBeGreaterThan(0);
  });
});

// Issue 18, item 2: at most 8 API calls per token across a fleet, preflight included. Each route's
// count, per token: one create, the deploy's group list per account, verify, the token read back
// once (exactness, coverage and the use baseline from one read), one probe per group; the endpoint
// probe, the preflight and the provisioner's own token once per command.
describe("calls per token across a fleet", () => {
  const running = useSandbox({ accounts: 18, zones: 360 });

  it("one cfct up of 20 ASCERA tokens: 7 calls per token, and 4 for the whole command", async () => {
    const project = testProject("calls");
    const accounts = running.fixture.accounts.map((a) => a.id);
    project.writeConfig({
      connections: [{ platform: "ascera", accounts, registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV } }],
    });
    const summary = await runUp(pipelineFor(running, project).context);
    expect(summary.problems).toEqual([]);
    const { total, byRoute } = (await (await controlFetch(running.control, "/stats")).json()) as {
      total: number;
      byRoute: Record<string, number>;
    };
    const tokens = accounts.length;
    expect(byRoute).toEqual({
      "POST /accounts/{account_id}/tokens": tokens,
      "GET /accounts/{account_id}/tokens/permission_groups": tokens,
      "GET /accounts/{account_id}/tokens/verify": tokens,
      "GET /accounts/{account_id}/tokens/{token_id}": tokens,
      "GET /accounts/{account_id}/access/identity_providers": tokens,
      "GET /accounts/{account_id}/access/users": tokens,
      "GET /accounts/{account_id}/members": tokens,
      "GET /user/tokens/verify": 2,
      "GET /user/tokens/{token_id}": 1,
      "GET /memberships": 1,
    });
    expect(total).toBe(7 * tokens + 4);
    expect(total / tokens).toBeLessThanOrEqual(8);
  });
});
