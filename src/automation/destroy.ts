import { plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import { planFor } from "./generations";
import { evidenceToken, type PipelineContext, type RunSummary } from "./pipeline";

/**
 * `cfct destroy`: deletes every token of the stack. The tokens are read from the stack's outputs
 * before the deploy removes them, so the evidence names each token it revoked (and only those the
 * engine reports deleted).
 */
export async function runDestroy(ctx: PipelineContext): Promise<RunSummary> {
  const before = await ctx.engine.outputs();
  const plans = plan(await ctx.engine.settings(), PLATFORMS, await ctx.now());
  const { changes } = await ctx.engine.destroy();
  for (const change of changes) ctx.progress(`${change.logicalName}: ${change.op}d`);
  const deleted = new Set(changes.filter((c) => c.op === "delete").map((c) => c.logicalName));
  const tokens = before.filter((t) => deleted.has(t.logicalName)).map((t) => evidenceToken(t, planFor(plans, t), "delete"));
  return { ok: true, tokens, problems: [] };
}
