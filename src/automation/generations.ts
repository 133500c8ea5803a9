import type { DeployedToken } from "./engine";
import { rfc3339 } from "../domain/time";
import { type TokenPlan } from "../domain/plan";
import { type Generation, type TokenGenerations } from "../domain/generation";

/**
 * The generations the next deploy should declare, for the planned token keys. The stack's outputs
 * say what exists; the recorded config may only add to them a generation not created yet (a
 * successor, or a first deploy interrupted). So a lost or stale stack file can neither delete a live
 * generation nor bring back a revoked one, and a key with nothing live starts a generation issued now.
 */
export function pinGenerations(
  current: TokenGenerations,
  deployed: readonly DeployedToken[],
  keys: readonly string[],
  now: Date,
): TokenGenerations {
  return Object.fromEntries(
    keys.map((key) => {
      const recorded = [current[key]?.active, current[key]?.successor].filter((g): g is Generation => g !== undefined);
      const live = deployed.filter((t) => t.key === key);
      if (live.length === 0) return [key, { active: { generation: recorded[0]?.generation ?? 1, issuedAt: rfc3339(now) } }];
      const newestLive = Math.max(...live.map((t) => t.generation));
      const fromOutputs = live.map((t): Generation => ({
        ...recorded.find((g) => g.generation === t.generation),
        generation: t.generation,
        issuedAt: t.issuedAt,
      }));
      const notYetCreated = recorded.filter((g) => g.generation > newestLive);
      const [active, successor] = [...fromOutputs, ...notYetCreated].sort((a, b) => a.generation - b.generation).slice(-2);
      return [key, { active: active!, ...(successor ? { successor } : {}) }];
    }),
  );
}

function updateGeneration(generations: TokenGenerations, key: string, generation: number, change: Partial<Generation>): TokenGenerations {
  const entry = generations[key];
  if (!entry) return generations;
  const mark = (g: Generation | undefined) => (g && g.generation === generation ? { ...g, ...change } : g);
  return { ...generations, [key]: { active: mark(entry.active)!, ...(entry.successor ? { successor: mark(entry.successor) } : {}) } };
}

export function withRegistration(
  generations: TokenGenerations,
  token: Pick<DeployedToken, "key" | "generation" | "id">,
  registeredAt: string,
): TokenGenerations {
  return updateGeneration(generations, token.key, token.generation, { registeredAt, registeredTokenId: token.id });
}

/** Records Cloudflare's last_used_on after cfct itself used the token, as the baseline for the platform's use. */
export function withOwnUse(
  generations: TokenGenerations,
  token: Pick<DeployedToken, "key" | "generation">,
  lastUsedOn: string | null,
): TokenGenerations {
  return updateGeneration(generations, token.key, token.generation, { cfctLastUse: lastUsedOn });
}

export function generationOf(generations: TokenGenerations, token: Pick<DeployedToken, "key" | "generation">): Generation | undefined {
  const entry = generations[token.key];
  return [entry?.active, entry?.successor].find((g) => g?.generation === token.generation);
}

/** Registered, and it was this very token (a replaced token has a new ID and value, and must be registered again). */
export function isRegistered(generations: TokenGenerations, token: Pick<DeployedToken, "key" | "generation" | "id">): boolean {
  const record = generationOf(generations, token);
  return record?.registeredAt !== undefined && (record.registeredTokenId === undefined || record.registeredTokenId === token.id);
}

/** The plan of one deployed token generation. */
export function planFor(plans: readonly TokenPlan[], token: Pick<DeployedToken, "key" | "generation">): TokenPlan | undefined {
  return plans.find((p) => p.key === token.key && p.generation === token.generation);
}
