import { plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import { onDestroy, type Registrar } from "../registration";
import type { Settings } from "../config/schema";
import type { DeployedToken } from "./engine";
import { planFor } from "./generations";
import { evidenceToken, type PipelineContext, type RunSummary } from "./pipeline";
import { connectionOf } from "./rotate";

/**
 * `cfct destroy`: every token of the stack is revoked and deleted, with what registering left for it
 * (a hand-off sheet of a deleted token holds nothing of use), then each registration the config
 * asks to undo is removed from its platform (`registration.deleteOnDestroy`). The registrars that
 * will be needed are built first, so a missing key stops the run before any token is deleted. The
 * tokens are read from the stack's outputs before the deploy removes them, so the evidence names
 * each token it revoked (and only those the engine reports deleted).
 */
export async function runDestroy(ctx: PipelineContext): Promise<RunSummary> {
  // Tokens can be destroyed whatever the config says now (even a stack whose connections were all
  // removed); only what to undo in the platforms needs it, and a config that does not parse says so.
  const read = await ctx.engine.settings().then(
    (settings) => ({ settings }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
  const before = await ctx.engine.outputs();
  if ("error" in read) {
    const tokens = await destroyTokens(ctx, before, undefined);
    return {
      ok: false,
      tokens,
      problems: [
        `the tokens are destroyed, but their registrations and hand-off sheets were not located: the stack config could not be read (${read.error}). ` +
          "Fix: remove any registration marked deleteOnDestroy in its platform by hand (Datadog: Integrations > Cloudflare), and the tokens' hand-off sheets from the hand-off directory",
      ],
    };
  }
  const { settings } = read;
  const steps = settings.connections.map((connection) => ({ connection, step: onDestroy(connection.registration, connection.name) }));
  const registrars = new Map<string, Registrar>(
    steps.filter(({ step }) => step.deregister).map(({ connection }) => [connection.name, ctx.registrarFor(connection)]),
  );
  const tokens = await destroyTokens(ctx, before, settings);
  const problems: string[] = [];
  for (const { connection, step } of steps) {
    if (step.note) ctx.progress(`${connection.name}: ${step.note}`);
    const registrar = registrars.get(connection.name);
    if (!registrar?.deregister) continue;
    const outcome = await registrar.deregister({ stack: settings.stack, connection: connection.name });
    ctx.progress(`${connection.name}: ${outcome.status} (${outcome.registrar}) ${outcome.detail}`);
    if (outcome.status === "failed") problems.push(`${connection.name}: removing the registration failed: ${outcome.detail}`);
  }
  return { ok: problems.length === 0, tokens, problems };
}

/** Destroys the stack's tokens; the evidence of each one the engine deleted, with its plan when the config could be read. */
async function destroyTokens(ctx: PipelineContext, before: readonly DeployedToken[], settings: Settings | undefined) {
  const plans = settings ? plan(settings, PLATFORMS, await ctx.now()) : [];
  const { changes } = await ctx.engine.destroy();
  for (const change of changes) ctx.progress(`${change.logicalName}: ${change.op}d`);
  const deleted = new Set(changes.filter((c) => c.op === "delete").map((c) => c.logicalName));
  const gone = before.filter((t) => deleted.has(t.logicalName));
  if (settings) {
    const now = await ctx.now();
    for (const token of gone) {
      // Only a hand-off leaves something of the token behind; other registrars are not built (their keys are not needed).
      const connection = connectionOf(settings, token.key, now);
      if (connection?.registration.kind === "handoff")
        ctx.registrarFor(connection).withdraw?.({ stack: settings.stack, tokenKey: token.key, generation: token.generation });
    }
  }
  return gone.map((t) => evidenceToken(t, planFor(plans, t), "delete"));
}
