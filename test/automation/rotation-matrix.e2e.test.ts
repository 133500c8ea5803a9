import { describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { runRotate } from "../../src/automation/rotate";
import { createCloudflareClient } from "../../src/cloudflare/client";
import {
  ACME_CORP,
  WEBHOOK_SECRET_ENV,
  advanceClock,
  issuedTokens,
  pipelineFor,
  sandboxAndReceiver,
  testProject,
  works,
} from "../helpers/pipeline";
import { matrixRows } from "../helpers/behaviour-matrix";
import { controlFetch } from "../../src/sandbox/control-client";

// The core of the rotation suite (a due token is replaced with no gap; an exposed one is due at once)
// under each row of the behaviour matrix, one sandbox per row.

const KEY = "ascera-417daa9d";
const OWNER = { kind: "account" as const, accountId: ACME_CORP };
const DAY = 86_400;

describe.each(matrixRows())("cfct rotate under $label", ({ behaviours }) => {
  const running = sandboxAndReceiver(behaviours);

  async function deployed(stack: string) {
    const project = testProject(stack);
    const webhook = { kind: "webhook", url: running.hook.url, secretEnv: WEBHOOK_SECRET_ENV };
    project.writeConfig({ connections: [{ platform: "ascera", accounts: [ACME_CORP], registration: webhook }], token: { ttlDays: 30 } });
    const { context } = pipelineFor(running.sandbox, project);
    expect((await runUp(context)).ok).toBe(true);
    return context;
  }
  const rotate = (ctx: Awaited<ReturnType<typeof deployed>>) => runRotate(ctx, { ifDueWithinDays: 14, graceHours: 24, keys: [KEY] });
  const liveTokens = async (stack: string) =>
    (await issuedTokens(running.sandbox))
      .filter((t) => t.name.startsWith(`cfct ${stack} ${KEY} `))
      .map((t) => t.name)
      .sort();

  it("a token Cloudflare found exposed is due now: its successor is created and registered at once", async () => {
    const ctx = await deployed("exposed");
    const [active] = await ctx.engine.outputs();
    await controlFetch(running.sandbox.control, `/tokens/${active!.id}/expose`, { method: "POST" });
    const result = await rotate(ctx);
    expect(result.events.map((e) => e.event)).toEqual(["successor-created", "waiting-for-pickup"]);
    expect(result.events[0]!.detail).toMatch(/g1: its value was found exposed/);
    expect(result.tokens.map((t) => [t.logicalName, t.verify?.ok, t.registration?.status])).toEqual([[`${KEY}-g2`, true, "registered"]]);
    expect(await works(running.sandbox, running.hook.latestValue(KEY)!, OWNER)).toBe(true);
    await ctx.engine.destroy();
  });

  // Last: it moves the sandbox clock.
  it("when due: a successor is registered, the old token kept until the new one is used, then revoked", async () => {
    const ctx = await deployed("due");
    expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(["not-due"]);
    await advanceClock(running.sandbox, 20 * DAY);
    expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(["successor-created", "waiting-for-pickup"]);
    expect(await liveTokens("due")).toEqual([`cfct due ${KEY} g1`, `cfct due ${KEY} g2`]);

    // The platform syncs an hour later with the value it now holds.
    await advanceClock(running.sandbox, 3600);
    await createCloudflareClient({ apiToken: running.hook.latestValue(KEY)!, baseUrl: running.sandbox.baseUrl }).get(
      `/accounts/${ACME_CORP}/access/users`,
    );
    expect((await rotate(ctx)).events.map((e) => e.event)).toEqual(["picked-up", "old-revoked"]);
    expect(await liveTokens("due")).toEqual([`cfct due ${KEY} g2`]);
    expect(await works(running.sandbox, running.hook.latestValue(KEY)!, OWNER)).toBe(true);
    await ctx.engine.destroy();
  });
});

describe("cfct rotate's exposure check", () => {
  const running = sandboxAndReceiver();

  it("a token deleted outside cfct is not taken for exposed, nor an error: it stays as due as its expiry says", async () => {
    const project = testProject("deleted");
    project.writeConfig({
      connections: [
        {
          platform: "ascera",
          accounts: [ACME_CORP],
          registration: { kind: "webhook", url: running.hook.url, secretEnv: WEBHOOK_SECRET_ENV },
        },
      ],
      token: { ttlDays: 30 },
    });
    const { context } = pipelineFor(running.sandbox, project);
    expect((await runUp(context)).ok).toBe(true);
    const [active] = await context.engine.outputs();
    await createCloudflareClient({
      apiToken: running.sandbox.provisionerToken,
      baseUrl: running.sandbox.baseUrl,
    }).deleteToken({ kind: "account", accountId: ACME_CORP }, active!.id);
    const result = await runRotate(context, { ifDueWithinDays: 14, graceHours: 24, keys: [KEY] });
    expect(result.events.map((e) => e.event)).toEqual(["not-due"]);
    await context.engine.destroy();
  });
});
