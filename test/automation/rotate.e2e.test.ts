import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { PipelineContext } from "../../src/automation/pipeline";
import { runUp, runVerify } from "../../src/automation/pipeline";
import { runRotate, type RotateOptions } from "../../src/automation/rotate";
import { createCloudflareClient } from "../../src/cloudflare/client";
import type { WebhookReceiver } from "../../src/demo/webhook-receiver";
import type { RunningSandbox } from "../../src/sandbox";
import { clearFaults, freezeClock, injectFault } from "../../src/sandbox/control-client";
import {
  ACME_CORP,
  ACME_LABS,
  Crash,
  WEBHOOK_SECRET_ENV,
  advanceClock,
  crashingAt,
  issuedTokens,
  pipelineFor,
  sandboxAndReceiver,
  testProject,
  works,
} from "../helpers/pipeline";

const running = sandboxAndReceiver();
let sandbox: RunningSandbox;
let hook: WebhookReceiver;
beforeAll(async () => {
  ({ sandbox, hook } = running);
  // Cloudflare's last_used_on has second precision; a frozen clock moves only when a test says so,
  // so whether two uses share a second never depends on how fast the machine is.
  await freezeClock(sandbox.control);
});

const KEY = "ascera-417daa9d";
const OWNER = { kind: "account" as const, accountId: ACME_CORP };
const DAY = 86_400;

/** One ASCERA account token, delivered by webhook, ttl 30 days; deployed and registered. */
async function deployed(name: string, registration?: Record<string, unknown>) {
  const project = testProject(name);
  project.writeConfig({
    connections: [
      {
        platform: "ascera",
        accounts: [ACME_CORP],
        registration: registration ?? { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV },
      },
    ],
    token: { ttlDays: 30 },
  });
  const pipeline = pipelineFor(sandbox, project);
  const up = await runUp(pipeline.context);
  expect(up.ok).toBe(true);
  return { project, pipeline, ctx: pipeline.context, stack: name };
}

const rotate = (ctx: PipelineContext, extra: Partial<RotateOptions> = {}) =>
  runRotate(ctx, { ifDueWithinDays: 14, graceHours: 24, keys: [KEY], ...extra });

async function liveTokens(stack: string) {
  return (await issuedTokens(sandbox))
    .filter((t) => t.name.startsWith(`cfct ${stack} ${KEY} `))
    .map((t) => t.name)
    .sort();
}

/** The platform syncs an hour later with whatever token its secret store holds now. */
async function platformSyncs(): Promise<void> {
  await advanceClock(sandbox, 3600);
  const client = createCloudflareClient({ apiToken: hook.latestValue(KEY)!, baseUrl: sandbox.baseUrl });
  await client.get(`/accounts/${ACME_CORP}/access/users`);
}

async function platformTokenWorks(): Promise<boolean> {
  return works(sandbox, hook.latestValue(KEY)!, OWNER);
}

/** Does this earlier value still work? Never send the platform's newest token here: that use would read as its pickup. */
async function stillWorks(value: string): Promise<boolean> {
  return works(sandbox, value, OWNER);
}

describe("cfct rotate: zero-gap rotation against the sandbox", () => {
  it("is a no-op while nothing is due", async () => {
    const { ctx, stack } = await deployed("notdue");
    const result = await rotate(ctx);
    expect(result.events.map((e) => e.event)).toEqual(["not-due"]);
    expect(result.events[0]!.detail).toMatch(/in (29|30) days/);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g1`]);
    await ctx.engine.destroy();
  });

  it("when due: creates, verifies and registers a successor, keeps the old one until the new one is used, then revokes it", async () => {
    const { ctx, stack } = await deployed("due");
    await advanceClock(sandbox, 20 * DAY); // 10 days left of 30: due within 14
    const oldValue = hook.latestValue(KEY)!;
    const first = await rotate(ctx);
    expect(first.events.map((e) => e.event)).toEqual(["successor-created", "waiting-for-pickup"]);
    expect(first.waiting).toEqual([KEY]);
    expect(first.tokens.map((t) => [t.logicalName, t.verify?.ok, t.registration?.status])).toEqual([[`${KEY}-g2`, true, "registered"]]);
    // At most two generations, and the old one still works for anyone holding it, a second after
    // registration (the case that once made this test flaky: checking with the new value there reads as the pickup).
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g1`, `cfct ${stack} ${KEY} g2`]);
    await advanceClock(sandbox, 1);
    expect(await stillWorks(oldValue)).toBe(true);

    // A run before the platform used the new token keeps waiting and changes nothing.
    const early = await rotate(ctx);
    expect(early.events.map((e) => e.event)).toEqual(["waiting-for-pickup"]);
    expect(early.tokens.map((t) => t.registration)).toEqual([undefined]);

    await platformSyncs();
    const done = await rotate(ctx);
    expect(done.events.map((e) => e.event)).toEqual(["picked-up", "old-revoked"]);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g2`]);
    expect(await platformTokenWorks()).toBe(true);
    expect((await ctx.engine.settings()).generations[KEY]).toMatchObject({ active: { generation: 2 } });
    expect((await ctx.engine.settings()).generations[KEY]!.successor).toBeUndefined();
    await ctx.engine.destroy();
  });

  // Cloudflare's last_used_on has second precision: a use in the second of registration cannot be told
  // from cfct's own, so only a later second counts as the platform's pickup.
  it.each([
    { platformUseAfterSeconds: 0, events: ["waiting-for-pickup"] },
    { platformUseAfterSeconds: 1, events: ["picked-up", "old-revoked"] },
    { platformUseAfterSeconds: 3600, events: ["picked-up", "old-revoked"] },
  ])(
    "a use of the new token $platformUseAfterSeconds s after its registration gives $events",
    async ({ platformUseAfterSeconds, events }) => {
      const { ctx, stack } = await deployed(`same-second-${platformUseAfterSeconds}`);
      await rotate(ctx, { force: true });
      await advanceClock(sandbox, platformUseAfterSeconds);
      expect(await platformTokenWorks()).toBe(true);
      expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(events);
      expect(await liveTokens(stack)).toHaveLength(events.includes("old-revoked") ? 1 : 2);
      await ctx.engine.destroy();
    },
  );

  it("cfct never sends a new generation that waits for its platform: verifying it checks its policies only", async () => {
    const { ctx, stack } = await deployed("selfuse", { kind: "handoff" });
    await rotate(ctx, { force: true });
    const lastUse = async () => (await issuedTokens(sandbox)).find((t) => t.name === `cfct ${stack} ${KEY} g2`)!.last_used_on;
    const before = await lastUse();
    await advanceClock(sandbox, 60);
    const verified = await runVerify(ctx);
    expect(verified.tokens.map((t) => [t.logicalName, t.verify?.ok])).toEqual([
      [`${KEY}-g1`, true],
      [`${KEY}-g2`, true],
    ]);
    const successor = Object.fromEntries(verified.tokens[1]!.verify!.checks.map((c) => [c.id, c.status]));
    expect(successor).toMatchObject({ liveness: "skip", "exactness:groups": "pass", probes: "skip" });
    expect(await lastUse()).toBe(before);
    await advanceClock(sandbox, 60);
    expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(["waiting-for-pickup"]);
    expect(await liveTokens(stack)).toHaveLength(2);
    await ctx.engine.destroy();
  });

  it("a revoke that fails half-way leaves no deleted generation on record, so none is brought back", async () => {
    const project = testProject("halfrevoke");
    const webhook = { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV };
    project.writeConfig({
      connections: [{ platform: "ascera", accounts: [ACME_CORP, ACME_LABS], registration: webhook }],
      token: { ttlDays: 30 },
    });
    const { context: ctx } = pipelineFor(sandbox, project);
    await runUp(ctx);
    const keys = ["ascera-417daa9d", "ascera-fca1dc08"];
    await runRotate(ctx, { ifDueWithinDays: 14, graceHours: 24, force: true, keys });
    await advanceClock(sandbox, 25 * 3600);
    // The second old generation cannot be deleted: the revoke deletes one, then stops.
    const stuck = (await ctx.engine.outputs()).find((t) => t.logicalName === "ascera-fca1dc08-g1")!;
    await injectFault(sandbox.control, {
      kind: "status",
      status: 503,
      count: 20,
      match: { method: "DELETE", path: `/accounts/${ACME_LABS}/tokens/${stuck.id}` },
    });
    await expect(runRotate(ctx, { ifDueWithinDays: 14, graceHours: 24, keys })).rejects.toThrow();
    await clearFaults(sandbox.control);
    expect((await ctx.engine.outputs()).map((t) => t.logicalName).sort()).toEqual([
      "ascera-417daa9d-g2",
      "ascera-fca1dc08-g1",
      "ascera-fca1dc08-g2",
    ]);
    const resumed = await runRotate(ctx, { ifDueWithinDays: 14, graceHours: 24, keys });
    expect(resumed.tokens.filter((t) => t.registration).map((t) => t.logicalName)).toEqual([]);
    expect((await ctx.engine.outputs()).map((t) => t.logicalName).sort()).toEqual(["ascera-417daa9d-g2", "ascera-fca1dc08-g2"]);
    expect(hook.deliveries.filter((d) => d.tokenKey === "ascera-417daa9d").at(-1)!.generation).toBe(2);
    await ctx.engine.destroy();
  });

  it("a platform status API can hold revocation back but never allows it: it cannot tell which token it holds", async () => {
    const { ctx, stack, project } = await deployed("status", { kind: "handoff" });
    const says = (state: "connected" | "misconfigured") => ({
      pickupCheckFor: () => ({
        kind: "drata-status",
        confirmed: async () => ({ pickedUp: state === "connected", state, detail: `connection is ${state}` }),
      }),
    });
    await rotate(ctx, { force: true, ...says("connected") });
    expect((await rotate(ctx, says("connected"))).events.map((e) => e.event)).toEqual(["waiting-for-pickup"]);
    await advanceClock(sandbox, 25 * 3600);
    const held = await rotate(ctx, says("misconfigured"));
    expect(held.events.map((e) => e.event)).toEqual(["waiting-for-pickup"]);
    expect(held.events[0]!.detail).toMatch(/drata-status: connection is misconfigured; the old generation stays/);
    const sheets = () => readdirSync(project.handoffDir).sort();
    expect(sheets()).toEqual([`${stack}-${KEY}-g1.md`, `${stack}-${KEY}-g2.md`]);
    expect((await rotate(ctx, says("connected"))).events.map((e) => e.event)).toEqual(["grace-ended", "old-revoked"]);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g2`]);
    // The revoked generation's sheet goes with it.
    expect(sheets()).toEqual([`${stack}-${KEY}-g2.md`]);
    await ctx.engine.destroy();
  });

  it("refuses a token key the stack does not have, and a pickup check it cannot build, before changing anything", async () => {
    const { ctx, stack } = await deployed("preflight");
    await expect(runRotate(ctx, { ifDueWithinDays: 14, graceHours: 24, keys: ["ascera-typo"], force: true })).rejects.toThrow(
      /no token "ascera-typo" in stack preflight\. Fix: use one of ascera-417daa9d/,
    );
    const missingKey = () => {
      throw new Error("DRATA_API_KEY is not set");
    };
    await expect(rotate(ctx, { force: true, pickupCheckFor: missingKey })).rejects.toThrow(/DRATA_API_KEY/);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g1`]);
    await ctx.engine.destroy();
  });

  it("revokes the old generation after the grace window when no use is seen", async () => {
    const { ctx, stack } = await deployed("grace");
    await rotate(ctx, { force: true });
    await advanceClock(sandbox, 23 * 3600);
    expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(["waiting-for-pickup"]);
    await advanceClock(sandbox, 2 * 3600);
    expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(["grace-ended", "old-revoked"]);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g2`]);
    await ctx.engine.destroy();
  });

  it("does not wait for an old generation that has already expired", async () => {
    const { ctx, stack } = await deployed("expired");
    await advanceClock(sandbox, 31 * DAY);
    const result = await rotate(ctx);
    expect(result.events.map((e) => e.event)).toEqual(["successor-created", "old-expired", "old-revoked"]);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g2`]);
    expect(await platformTokenWorks()).toBe(true);
    await ctx.engine.destroy();
  });

  it("a successor that fails verification is not registered; the old generation stays; a later run finishes", async () => {
    const { ctx, stack } = await deployed("failverify");
    const failing: PipelineContext = {
      ...ctx,
      verifier: {
        verify: async () => ({
          ok: false,
          apiCalls: 0,
          checks: [{ id: "liveness", status: "fail", detail: "simulated outage", remedy: "retry" }],
        }),
      },
    };
    const result = await rotate(failing, { force: true });
    expect(result.ok).toBe(false);
    expect(result.events.map((e) => e.event)).toEqual(["successor-created", "failed"]);
    expect(await platformTokenWorks()).toBe(true);
    expect(hook.deliveries.filter((d) => d.tokenKey === KEY).at(-1)!.generation).toBe(1);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g1`, `cfct ${stack} ${KEY} g2`]);

    const resumed = await rotate(ctx);
    expect(resumed.tokens.map((t) => t.registration?.status)).toEqual(["registered"]);
    expect(await liveTokens(stack)).toHaveLength(2);
    await ctx.engine.destroy();
  });

  it("a registration that fails leaves the old generation in place and exits not-ok", async () => {
    const { ctx, stack, project } = await deployed("failregister");
    project.writeConfig({
      connections: [
        {
          platform: "ascera",
          accounts: [ACME_CORP],
          registration: { kind: "webhook", url: "http://127.0.0.1:9/closed", secretEnv: WEBHOOK_SECRET_ENV, timeoutMs: 500 },
        },
      ],
      token: { ttlDays: 30 },
    });
    const result = await rotate(ctx, { force: true });
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toMatch(/registration failed/);
    expect(await liveTokens(stack)).toEqual([`cfct ${stack} ${KEY} g1`, `cfct ${stack} ${KEY} g2`]);
    expect(await platformTokenWorks()).toBe(true);
    await ctx.engine.destroy();
  });

  describe("killed at any step and run again: finishes with no duplicate, no gap, no orphan", () => {
    /** Runs rotate until generation 2 is the only one, simulating the platform's syncs in between. */
    async function finish(ctx: PipelineContext): Promise<void> {
      for (let attempt = 0; attempt < 6; attempt += 1) {
        const live = (await ctx.engine.outputs()).map((t) => t.generation);
        if (live.length === 1 && live[0] === 2) return;
        // Only a rotation that has not begun needs forcing; a begun one resumes from what the stack records.
        await rotate(ctx, { force: !live.includes(2) && !(await ctx.engine.settings()).generations[KEY]?.successor });
        if (hook.latestValue(KEY)) await platformSyncs();
      }
      throw new Error("rotation did not finish");
    }

    // Count the operations of an uninterrupted rotation, then crash at each one, before and after it.
    it("covers every step", async () => {
      const { ctx: plain } = await deployed("kill-count");
      const { ctx, operations } = crashingAt(plain, 0, "before");
      await finish(ctx);
      await plain.engine.destroy();
      expect(operations.length).toBeGreaterThan(5);
      const steps = operations.length;
      for (const when of ["before", "after"] as const) {
        for (let n = 1; n <= steps; n += 1) {
          const name = `kill-${when}-${n}`;
          const { ctx: base } = await deployed(name);
          const { ctx: dying } = crashingAt(base, n, when);
          await expect(finish(dying), `${name}: should have crashed`).rejects.toBeInstanceOf(Crash);
          // The platform is never without a working token.
          expect(await platformTokenWorks(), `${name}: gap after the crash`).toBe(true);
          await finish(base);
          expect(await liveTokens(name), `${name}: leftovers`).toEqual([`cfct ${name} ${KEY} g2`]);
          expect(await platformTokenWorks(), `${name}: gap after resume`).toBe(true);
          await base.engine.destroy();
          expect(await liveTokens(name), `${name}: orphan`).toEqual([]);
        }
      }
    }, 120_000);
  });
});
