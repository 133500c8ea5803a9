import type { ConnectionSettings, Settings } from "../config/schema";
import type { EvidenceToken, RotationEvent } from "../evidence/record";
import { PlanError, plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import type { PickupCheck } from "../registration";
import type { DeployedToken, EngineResult } from "./engine";
import { verifyAndRegisterAll, pinnedSettings, type PipelineContext, type RunSummary } from "./pipeline";
import { rfc3339 } from "../domain/time";
import { type TokenGenerations } from "../domain/generation";
import { decide, NO_OBSERVATIONS, type Observations, type RotationAction } from "./rotation-decide";

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

type ActionOf<K extends RotationAction["kind"]> = Extract<RotationAction, { kind: K }>;

/**
 * Runs the rotation state machine (see decide) to rest: asks decide what to do, does it, records it
 * with the stack before asking again. So a run killed at any step resumes from what the stack says.
 * A run that finds nothing due changes nothing; a run that must wait says until when.
 */
export async function runRotate(ctx: PipelineContext, options: RotateOptions): Promise<RotateSummary> {
  const events: RotationEvent[] = [];
  const event = async (key: string, kind: RotationEvent["event"], detail: string, generation: number) => {
    events.push({ key, at: rfc3339(await ctx.now()), event: kind, detail, generation });
    ctx.progress(`${key} g${generation}: ${kind} — ${detail}`);
  };
  ctx.progress(ctx.engine.label);

  let { settings, generations } = await pinnedSettings(ctx);
  // Build every pickup check now: a missing API key must stop the run before a successor exists.
  for (const connection of settings.connections) options.pickupCheckFor?.(connection);
  const unknown = (options.keys ?? []).filter((key) => !(key in generations));
  if (unknown.length > 0) {
    throw new PlanError({
      summary: `no token ${unknown.map((k) => `"${k}"`).join(", ")} in stack ${settings.stack}`,
      fix: `use one of ${Object.keys(generations).join(", ")} (cfct plan --stack ${settings.stack} lists them)`,
    });
  }
  const policy = { ifDueWithinDays: options.ifDueWithinDays, force: options.force ?? false, graceHours: options.graceHours };
  const selected = (all: TokenGenerations): TokenGenerations =>
    Object.fromEntries(Object.entries(all).filter(([key]) => !options.keys || options.keys.includes(key)));
  let deployed = await ctx.engine.outputs();
  let observations: Observations = NO_OBSERVATIONS;
  let registered: (RunSummary & { generations: TokenGenerations }) | undefined;

  for (;;) {
    const actions = decide(selected(generations), deployed, observations, await ctx.now(), policy);
    const of = <K extends RotationAction["kind"]>(kind: K) => actions.filter((a): a is ActionOf<K> => a.kind === kind);
    const observe = [...of("observe-exposure"), ...of("observe-use"), ...of("observe-platform")];
    if (observe.length > 0) {
      observations = await observeAll(ctx, options, settings, observations, observe);
      continue;
    }
    const declared = of("declare-successor");
    if (declared.length > 0) {
      for (const { key, successor } of declared) generations = { ...generations, [key]: { active: generations[key]!.active, successor } };
      await ctx.engine.saveGenerations(generations);
      continue;
    }
    const toRegister = of("register");
    if (toRegister.length > 0) {
      settings = { ...settings, generations };
      const created = await ctx.engine.up();
      deployed = [...created.tokens];
      for (const { key, generation } of toRegister) {
        const token = created.tokens.find((t) => t.key === key && t.generation === generation);
        const why = observations.exposed.get(key) ? ` (Cloudflare deactivated g${generation - 1}: its value was found exposed)` : "";
        if (token && changeOf(created, token.logicalName) === "create")
          await event(key, "successor-created", `new token ${token.logicalName}${why}`, generation);
      }
      const successors = created.tokens.filter((t) => toRegister.some((h) => h.key === t.key && h.generation === t.generation));
      // The same deploy applied any other config change: those tokens are verified too.
      const changed = created.tokens.filter((t) => !successors.includes(t) && changeOf(created, t.logicalName) !== "same");
      registered = await verifyAndRegisterAll(ctx, settings, [...successors, ...changed], (name) => changeOf(created, name));
      generations = registered.generations;
      const outcomes = new Map(observations.registration);
      for (const { key, generation } of toRegister) {
        const token = successors.find((t) => t.key === key && t.generation === generation);
        outcomes.set(
          key,
          token && verifiedAndRegistered(registered.tokens.find((e) => e.logicalName === token.logicalName)) ? "done" : "failed",
        );
      }
      observations = { ...observations, registration: outcomes };
      continue;
    }

    for (const rest of of("rest")) await event(rest.key, rest.event, rest.detail, rest.generation);
    const promotions = of("promote");
    for (const promotion of promotions) await event(promotion.key, promotion.event, promotion.detail, promotion.generation);
    if (promotions.length > 0) await revokeOld(ctx, settings, generations, deployed, promotions, await ctx.now(), event);
    const waiting = of("rest")
      .filter((r) => r.event === "waiting-for-pickup")
      .map((r) => r.key);
    return registered
      ? { ok: registered.ok, tokens: registered.tokens, problems: registered.problems, events, waiting }
      : { ok: true, tokens: [], problems: [], events, waiting };
  }
}

function changeOf(result: EngineResult, logicalName: string) {
  return result.changes.find((c) => c.logicalName === logicalName)?.op ?? "same";
}

/** Verified (when this run verified it) and not refused by its platform. */
function verifiedAndRegistered(evidence: EvidenceToken | undefined): boolean {
  return evidence !== undefined && evidence.verify?.ok !== false && evidence.registration?.status !== "failed";
}

async function observeAll(
  ctx: PipelineContext,
  options: RotateOptions,
  settings: Settings,
  observations: Observations,
  actions: readonly Extract<RotationAction, { kind: "observe-exposure" | "observe-use" | "observe-platform" }>[],
): Promise<Observations> {
  const exposed = new Map(observations.exposed);
  const successorLastUsed = new Map(observations.successorLastUsed);
  const platform = new Map(observations.platform);
  for (const action of actions) {
    if (action.kind === "observe-exposure") exposed.set(action.key, await ctx.inspector.exposed(action.token));
    if (action.kind === "observe-use") successorLastUsed.set(action.key, await ctx.inspector.lastUsedOn(action.token));
    if (action.kind === "observe-platform") {
      const connection = connectionOf(settings, action.key, await ctx.now());
      const check = connection && options.pickupCheckFor?.(connection);
      const request = connection && {
        stack: settings.stack,
        connection: connection.name,
        platform: connection.platform,
        tokenKey: action.key,
        tokenId: action.token.id,
        generation: action.token.generation,
        registeredAt: action.registeredAt,
      };
      platform.set(action.key, check && request ? { kind: check.kind, ...(await check.confirmed(request)) } : null);
    }
  }
  return { ...observations, exposed, successorLastUsed, platform };
}

/** Records each promotion with the stack, then deploys: the deploy deletes the generations no longer declared. */
async function revokeOld(
  ctx: PipelineContext,
  settings: Settings,
  generations: TokenGenerations,
  deployed: readonly DeployedToken[],
  promotions: readonly Extract<RotationAction, { kind: "promote" }>[],
  now: Date,
  event: (key: string, kind: RotationEvent["event"], detail: string, generation: number) => Promise<void>,
): Promise<void> {
  const promoted = { ...generations };
  for (const { key } of promotions) promoted[key] = { active: generations[key]!.successor! };
  await ctx.engine.saveGenerations(promoted);
  const revoked = await ctx.engine.up();
  for (const change of revoked.changes.filter((c) => c.op === "delete")) {
    const old = deployed.find((t) => t.logicalName === change.logicalName);
    if (!old || !promotions.some((p) => p.key === old.key)) continue;
    // A revoked token's hand-off sheet holds nothing of use any more: it goes with the token.
    const connection = connectionOf(settings, old.key, now);
    if (connection) ctx.registrarFor(connection).withdraw?.({ stack: settings.stack, tokenKey: old.key, generation: old.generation });
    await event(old.key, "old-revoked", `${change.logicalName} deleted`, old.generation);
  }
}

/** The connection a token key belongs to, by the plan. */
export function connectionOf(settings: Settings, key: string, now: Date): ConnectionSettings | undefined {
  const connectionName = plan(settings, PLATFORMS, now).find((p) => p.key === key)?.connection;
  return settings.connections.find((c) => c.name === connectionName);
}
