import { ConfigError } from "../config/schema";
import type { PipelineContext, RunSummary } from "./pipeline";
import { connectionOf } from "./rotate";

/**
 * `cfct destroy`: delete every token of the stack, then withdraw what was handed over for each (a
 * hand-off sheet of a deleted token holds nothing of use, and the README promises it goes with the
 * token). Without the stack file the registrations cannot be located: the run says so.
 */
export async function runDestroy(ctx: PipelineContext): Promise<RunSummary> {
  const deployed = await ctx.engine.outputs();
  const settings = await ctx.engine.settings().catch((error: unknown) => {
    if (error instanceof ConfigError) return undefined;
    throw error;
  });
  const { changes } = await ctx.engine.destroy();
  const now = await ctx.now();
  const deleted = changes.filter((c) => c.op === "delete");
  for (const change of deleted) {
    ctx.progress(`${change.logicalName}: deleted`);
    const token = deployed.find((t) => t.logicalName === change.logicalName);
    const connection = token && settings ? connectionOf(settings, token.key, now) : undefined;
    if (token && connection)
      ctx.registrarFor(connection).withdraw?.({ stack: settings!.stack, tokenKey: token.key, generation: token.generation });
  }
  if (!settings && deleted.length > 0)
    ctx.progress("hand-off sheets were not removed: without the stack file cfct cannot tell where its connections put them");
  return { ok: true, tokens: [], problems: [] };
}
