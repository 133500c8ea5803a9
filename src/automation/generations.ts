import type { Generation, TokenGenerations } from "../config/schema";
import type { TokenPlan } from "../plan/plan";
import { rfc3339 } from "../plan/plan";
import type { DeployedToken } from "./engine";

/**
 * The generations the next deploy should declare, for the planned token keys. The stack's outputs
 * are the record of what exists, so they win over config that went missing (a fresh checkout, an
 * uncommitted stack file): a deploy never deletes a generation it merely forgot. New keys get a
 * first generation issued `now`, pinned before deploying so expiry never moves afterwards.
 */
export function pinGenerations(current: TokenGenerations, deployed: readonly DeployedToken[], keys: readonly string[], now: Date): TokenGenerations {
  return Object.fromEntries(
    keys.map((key) => {
      const recorded = current[key];
      const live = deployed.filter((t) => t.key === key).sort((a, b) => a.generation - b.generation);
      if (recorded && live.every((t) => t.generation === recorded.active.generation || t.generation === recorded.successor?.generation)) {
        return [key, recorded];
      }
      if (live.length === 0) return [key, { active: { generation: 1, issuedAt: rfc3339(now) } }];
      const [active, successor] = live.map((t): Generation => {
        const known = [recorded?.active, recorded?.successor].find((g) => g?.generation === t.generation);
        return { generation: t.generation, issuedAt: t.issuedAt, ...(known?.registeredAt ? { registeredAt: known.registeredAt } : {}) };
      });
      return [key, { active: active!, ...(successor ? { successor } : {}) }];
    }),
  );
}

export function withRegistration(generations: TokenGenerations, key: string, generation: number, registeredAt: string): TokenGenerations {
  const entry = generations[key];
  if (!entry) return generations;
  const mark = (g: Generation | undefined) => (g && g.generation === generation ? { ...g, registeredAt } : g);
  return { ...generations, [key]: { active: mark(entry.active)!, ...(entry.successor ? { successor: mark(entry.successor) } : {}) } };
}

export function isRegistered(generations: TokenGenerations, key: string, generation: number): boolean {
  const entry = generations[key];
  return [entry?.active, entry?.successor].some((g) => g?.generation === generation && g.registeredAt !== undefined);
}

/** The plan of one deployed token generation. */
export function planFor(plans: readonly TokenPlan[], token: Pick<DeployedToken, "key" | "generation">): TokenPlan | undefined {
  return plans.find((p) => p.key === token.key && p.generation === token.generation);
}
