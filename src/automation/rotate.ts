import type { ConnectionSettings, Settings } from "../config/schema";
import type { RotationEvent } from "../evidence/record";
import { PlanError, plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import type { PickupCheck } from "../registration";
import type { DeployedToken } from "./engine";
import { handOffAll, pinnedSettings, type PipelineContext, type RunSummary } from "./pipeline";
import { DAY_MS, rfc3339 } from "../domain/time";
import { type Generation, type TokenGenerations } from "../domain/generation";

export interface RotateOptions {
  /** Rotate a token whose active generation expires within this many days. */
  readonly ifDueWithinDays: number;
  /** Rotate regardless of expiry. */
  readonly force?: boolean;
  /** Only these token keys (default: all). */
  readonly keys?: readonly string[];
  /** How long after registration the old generation is kept when no use of the new one is seen. */
  readonly graceHours: number;
  /** Optional confirmation from the platform itself (e.g. drata-status), per connection. */
  readonly pickupCheckFor?: (connection: ConnectionSettings) => PickupCheck | undefined;
}

export interface RotateSummary extends RunSummary {
  readonly events: RotationEvent[];
  /** Keys still waiting for the platform to use their new generation. */
  readonly waiting: string[];
}

const HOUR_MS = 3_600_000;

/**
 * Zero-gap rotation, resumable at every step because each step is recorded with the stack first:
 *   1. a due token (expiring soon, forced, or found exposed by Cloudflare) gets a successor
 *      generation (both declared, one deploy creates the new token);
 *   2. the successor is verified, then registered — a failure leaves the old generation untouched;
 *   3. the old generation is revoked only once the successor is seen in use after registration,
 *      the platform confirms it, the grace window has ended, or the old one has already expired.
 * A run that finds nothing due changes nothing; a run that must wait says until when.
 */
export async function runRotate(ctx: PipelineContext, options: RotateOptions): Promise<RotateSummary> {
  const events: RotationEvent[] = [];
  const event = async (key: string, kind: RotationEvent["event"], detail: string, generation?: number) => {
    events.push({ key, at: rfc3339(await ctx.now()), event: kind, detail, ...(generation ? { generation } : {}) });
    ctx.progress(`${key}${generation ? ` g${generation}` : ""}: ${kind} — ${detail}`);
  };
  ctx.progress(ctx.engine.label);

  // Step 1: successors for due tokens (or resume with the ones already declared).
  let { settings, generations } = await pinnedSettings(ctx);
  // Build every pickup check now: a missing API key must stop the run before a successor exists.
  for (const connection of settings.connections) options.pickupCheckFor?.(connection);
  const unknown = (options.keys ?? []).filter((key) => !(key in generations));
  if (unknown.length > 0) {
    throw new PlanError(`no token ${unknown.map((k) => `"${k}"`).join(", ")} in stack ${settings.stack}. Fix: use one of ${Object.keys(generations).join(", ")} (cfct plan --stack ${settings.stack} lists them)`);
  }
  const deployed = await ctx.engine.outputs();
  const now = await ctx.now();
  const selected = Object.keys(generations).filter((key) => !options.keys || options.keys.includes(key));
  const withSuccessor: TokenGenerations = { ...generations };
  const exposedKeys = new Set<string>();
  for (const key of selected) {
    const entry = generations[key]!;
    if (entry.successor) continue;
    const active = deployed.find((t) => t.key === key && t.generation === entry.active.generation);
    const expiresOn = active?.expiresOn ? Date.parse(active.expiresOn) : undefined;
    const dueByDate = options.force || expiresOn === undefined || expiresOn - now.getTime() <= options.ifDueWithinDays * DAY_MS;
    // A token Cloudflare deactivated as exposed no longer works for its platform, whatever its expiry: due now.
    if (!dueByDate && active && (await ctx.inspector.exposed(active))) exposedKeys.add(key);
    const due = dueByDate || exposedKeys.has(key);
    if (!due) {
      await event(key, "not-due", `expires ${active?.expiresOn}, in ${Math.floor((expiresOn! - now.getTime()) / DAY_MS)} days`, entry.active.generation);
      continue;
    }
    withSuccessor[key] = { active: entry.active, successor: { generation: entry.active.generation + 1, issuedAt: rfc3339(now) } };
  }
  const rotating = selected.filter((key) => withSuccessor[key]!.successor);
  if (rotating.length === 0) return { ok: true, tokens: [], problems: [], events, waiting: [] };
  if (JSON.stringify(withSuccessor) !== JSON.stringify(generations)) {
    generations = withSuccessor;
    await ctx.engine.saveGenerations(generations);
  }
  settings = { ...settings, generations };
  const created = await ctx.engine.up();
  for (const key of rotating) {
    const successor = generations[key]!.successor!;
    const change = created.changes.find((c) => c.logicalName.startsWith(`${key}-g${successor.generation}`) && c.op === "create");
    const why = exposedKeys.has(key) ? ` (Cloudflare deactivated g${successor.generation - 1}: its value was found exposed)` : "";
    if (change) await event(key, "successor-created", `new token ${change.logicalName}${why}`, successor.generation);
  }

  // Step 2: verify and register each successor not yet with its platform.
  const changeOf = (name: string) => created.changes.find((c) => c.logicalName === name)?.op ?? "same";
  const successors = created.tokens.filter((t) => rotating.includes(t.key) && t.generation === generations[t.key]!.successor!.generation);
  // The same deploy applied any other config change: those tokens are verified too.
  const changed = created.tokens.filter((t) => !successors.includes(t) && changeOf(t.logicalName) !== "same");
  const handed = await handOffAll(ctx, settings, [...successors, ...changed], changeOf);
  generations = handed.generations;
  const failedKeys = new Set(successors.filter((t) => handed.problems.some((p) => p.startsWith(`${t.logicalName}:`))).map((t) => t.key));
  for (const key of failedKeys) await event(key, "failed", "successor not verified or not registered; the old generation stays in place", generations[key]!.successor!.generation);

  // Step 3: promote successors the platform has taken up; revoke the old generation.
  const waiting: string[] = [];
  const promoted: TokenGenerations = { ...generations };
  for (const key of rotating.filter((k) => !failedKeys.has(k))) {
    const entry = generations[key]!;
    const successor = entry.successor!;
    const token = successors.find((t) => t.key === key)!;
    const old = deployed.find((t) => t.key === key && t.generation === entry.active.generation);
    const verdict = await pickup(ctx, options, settings, token, old, successor, await ctx.now());
    if ("wait" in verdict) {
      waiting.push(key);
      await event(key, "waiting-for-pickup", verdict.wait, successor.generation);
      continue;
    }
    await event(key, verdict.event, verdict.detail, successor.generation);
    promoted[key] = { active: successor };
  }
  if (JSON.stringify(promoted) !== JSON.stringify(generations)) {
    await ctx.engine.saveGenerations(promoted);
    const revoked = await ctx.engine.up();
    for (const change of revoked.changes.filter((c) => c.op === "delete")) {
      const key = rotating.find((k) => change.logicalName.startsWith(`${k}-g`));
      if (!key) continue;
      const generation = generations[key]!.active.generation;
      // A revoked token's hand-off sheet holds nothing of use any more: it goes with the token.
      const connection = connectionOf(settings, key, now);
      if (connection) ctx.registrarFor(connection).withdraw?.({ stack: settings.stack, tokenKey: key, generation });
      await event(key, "old-revoked", `${change.logicalName} deleted`, generation);
    }
  }
  return { ok: handed.ok, tokens: handed.tokens, problems: handed.problems, events, waiting };
}

type Verdict = { readonly event: RotationEvent["event"]; readonly detail: string } | { readonly wait: string };

/**
 * May the old generation go? Only on evidence: the new token used after cfct's own last use of it
 * (both times are Cloudflare's), the old one already expired, or the grace window over. A platform's
 * status API cannot say which token it holds, so it can only hold revocation back, never allow it.
 */
async function pickup(
  ctx: PipelineContext,
  options: RotateOptions,
  settings: Settings,
  successor: DeployedToken,
  old: DeployedToken | undefined,
  record: Generation,
  now: Date,
): Promise<Verdict> {
  if (!record.registeredAt) return { wait: "not registered yet" };
  if (old?.expiresOn && Date.parse(old.expiresOn) <= now.getTime()) return { event: "old-expired", detail: `old generation expired ${old.expiresOn}` };
  const lastUsed = await ctx.inspector.lastUsedOn(successor);
  const baseline = record.cfctLastUse === undefined ? record.registeredAt : record.cfctLastUse;
  if (lastUsed && (baseline === null || Date.parse(lastUsed) > Date.parse(baseline))) {
    return { event: "picked-up", detail: `new token used at ${lastUsed}, after cfct's own last use${baseline ? ` (${baseline})` : ""}` };
  }
  const connection = connectionOf(settings, successor.key, now);
  const check = connection && options.pickupCheckFor?.(connection);
  if (connection && check) {
    const status = await check.confirmed({
      stack: settings.stack,
      connection: connection.name,
      platform: connection.platform,
      tokenKey: successor.key,
      tokenId: successor.id,
      generation: successor.generation,
      registeredAt: record.registeredAt,
    });
    if (status.state === "misconfigured") return { wait: `${check.kind}: ${status.detail}; the old generation stays until the platform is healthy again` };
  }
  const graceEnds = Date.parse(record.registeredAt) + options.graceHours * HOUR_MS;
  if (now.getTime() >= graceEnds) return { event: "grace-ended", detail: `no use seen; the grace window of ${options.graceHours}h ended` };
  return { wait: `old generation kept until the new one is used or the grace window ends at ${rfc3339(new Date(graceEnds))}` };
}

function connectionOf(settings: Settings, key: string, now: Date): ConnectionSettings | undefined {
  const connectionName = plan(settings, PLATFORMS, now).find((p) => p.key === key)?.connection;
  return settings.connections.find((c) => c.name === connectionName);
}
