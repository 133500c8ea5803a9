import { onDestroy, type Registrar } from "../registration";
import type { PipelineContext, RunSummary } from "./pipeline";

/**
 * `cfct destroy`: every token of the stack is revoked and deleted, then each registration the config
 * asks to undo is removed from its platform (`registration.deleteOnDestroy`). The registrars that
 * will be needed are built first, so a missing key stops the run before any token is deleted.
 */
export async function runDestroy(ctx: PipelineContext): Promise<RunSummary> {
  // Tokens can be destroyed whatever the config says now (even a stack whose connections were all
  // removed); only what to undo in the platforms needs it, and a config that does not parse says so.
  const read = await ctx.engine.settings().then(
    (settings) => ({ settings }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
  if ("error" in read) {
    const { changes } = await ctx.engine.destroy();
    for (const change of changes) ctx.progress(`${change.logicalName}: ${change.op}d`);
    return {
      ok: false,
      tokens: [],
      problems: [
        `the tokens are destroyed, but registrations were not checked: the stack config could not be read (${read.error}). Fix: remove any registration marked deleteOnDestroy in its platform by hand (Datadog: Integrations > Cloudflare)`,
      ],
    };
  }
  const { settings } = read;
  const plans = settings.connections.map((connection) => ({ connection, step: onDestroy(connection.registration, connection.name) }));
  const registrars = new Map<string, Registrar>(
    plans.filter(({ step }) => step.deregister).map(({ connection }) => [connection.name, ctx.registrarFor(connection)]),
  );
  const { changes } = await ctx.engine.destroy();
  for (const change of changes) ctx.progress(`${change.logicalName}: ${change.op}d`);
  const problems: string[] = [];
  for (const { connection, step } of plans) {
    if (step.note) ctx.progress(`${connection.name}: ${step.note}`);
    const registrar = registrars.get(connection.name);
    if (!registrar?.deregister) continue;
    const outcome = await registrar.deregister({ stack: settings.stack, connection: connection.name });
    ctx.progress(`${connection.name}: ${outcome.status} (${outcome.registrar}) ${outcome.detail}`);
    if (outcome.status === "failed") problems.push(`${connection.name}: removing the registration failed: ${outcome.detail}`);
  }
  return { ok: problems.length === 0, tokens: [], problems };
}
