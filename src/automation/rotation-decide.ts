import type { Generation, TokenGenerations } from "../domain/generation";
import type { RotationEvent } from "../evidence/record";
import { DAY_MS, rfc3339 } from "../domain/time";
import type { PickupResult } from "../registration";
import type { DeployedToken } from "./engine";

const HOUR_MS = 3_600_000;

export interface RotationPolicy {
  /** A token whose active generation expires within this many days is due. */
  readonly ifDueWithinDays: number;
  /** Every selected token is due, whatever its expiry. */
  readonly force: boolean;
  /** How long after registration the old generation is kept when no use of the new one is seen. */
  readonly graceHours: number;
}

/**
 * What the executor has learnt this run, by token key. A key missing from a map means "not asked
 * yet": decide asks for it with an observe action, so it never needs I/O and the executor makes no
 * call whose answer would not change the decision.
 */
export interface Observations {
  /** Cloudflare deactivated the active generation because its value was found exposed. */
  readonly exposed: ReadonlyMap<string, boolean>;
  /** Cloudflare's last_used_on of the successor (null: never used). */
  readonly successorLastUsed: ReadonlyMap<string, string | null>;
  /** What the platform's own status API says (null: the connection has none). */
  readonly platform: ReadonlyMap<string, (PickupResult & { readonly kind: string }) | null>;
  /** The outcome of this run's deploy, verify and register for the key's successor. */
  readonly registration: ReadonlyMap<string, "done" | "failed">;
}

export const NO_OBSERVATIONS: Observations = {
  exposed: new Map(),
  successorLastUsed: new Map(),
  platform: new Map(),
  registration: new Map(),
};

type Promotion = Extract<RotationEvent["event"], "picked-up" | "old-expired" | "grace-ended">;

export type RotationAction =
  | { readonly kind: "observe-exposure"; readonly key: string; readonly token: DeployedToken }
  | { readonly kind: "observe-use"; readonly key: string; readonly token: DeployedToken }
  | { readonly kind: "observe-platform"; readonly key: string; readonly token: DeployedToken; readonly registeredAt: string }
  /** Record a successor generation with the stack; the next deploy creates it. */
  | { readonly kind: "declare-successor"; readonly key: string; readonly successor: Generation }
  /** Deploy what is declared, then verify and register the successor. */
  | { readonly kind: "register"; readonly key: string; readonly generation: number }
  /** The successor replaces the active generation; the next deploy revokes the old one. */
  | { readonly kind: "promote"; readonly key: string; readonly generation: number; readonly event: Promotion; readonly detail: string }
  /** Nothing to do for this key in this run. */
  | {
      readonly kind: "rest";
      readonly key: string;
      readonly generation: number;
      readonly event: "not-due" | "failed" | "waiting-for-pickup";
      readonly detail: string;
    };

/**
 * One step of zero-gap rotation for every key in `generations`, from what the stack records, what is
 * deployed and what this run has observed. Pure: the same arguments always give the same actions.
 *   1. a due token (expiring soon, forced, or found exposed by Cloudflare) gets a successor;
 *   2. the successor is deployed, verified, then registered — a failure leaves the old one in place;
 *   3. the old generation goes only on evidence: the successor used after cfct's own last use of it,
 *      the old one already expired, or the grace window over. A platform's status API cannot say
 *      which token it holds, so it can only hold revocation back, never allow it.
 */
export function decide(
  generations: TokenGenerations,
  deployed: readonly DeployedToken[],
  observations: Observations,
  now: Date,
  policy: RotationPolicy,
): RotationAction[] {
  return Object.entries(generations).map(([key, entry]): RotationAction => {
    const live = (generation: number) => deployed.find((t) => t.key === key && t.generation === generation);
    const active = live(entry.active.generation);
    const { successor } = entry;
    if (!successor) return startOrRest(key, entry.active, active, observations, now, policy);

    const registration = observations.registration.get(key);
    if (registration === undefined) return { kind: "register", key, generation: successor.generation };
    const rest = (event: "failed" | "waiting-for-pickup", detail: string): RotationAction => ({
      kind: "rest",
      key,
      generation: successor.generation,
      event,
      detail,
    });
    const promote = (event: Promotion, detail: string): RotationAction => ({
      kind: "promote",
      key,
      generation: successor.generation,
      event,
      detail,
    });
    if (registration === "failed") return rest("failed", "successor not verified or not registered; the old generation stays in place");
    const deployedSuccessor = live(successor.generation);
    if (!successor.registeredAt || !deployedSuccessor) return rest("waiting-for-pickup", "not registered yet");

    if (active?.expiresOn && Date.parse(active.expiresOn) <= now.getTime())
      return promote("old-expired", `old generation expired ${active.expiresOn}`);
    const lastUsed = observations.successorLastUsed.get(key);
    if (lastUsed === undefined) return { kind: "observe-use", key, token: deployedSuccessor };
    // Cloudflare's last_used_on has second precision: a use in the second of cfct's own is cfct's.
    const baseline = successor.cfctLastUse === undefined ? successor.registeredAt : successor.cfctLastUse;
    if (lastUsed !== null && (baseline === null || Date.parse(lastUsed) > Date.parse(baseline))) {
      return promote("picked-up", `new token used at ${lastUsed}, after cfct's own last use${baseline ? ` (${baseline})` : ""}`);
    }
    const platform = observations.platform.get(key);
    if (platform === undefined) return { kind: "observe-platform", key, token: deployedSuccessor, registeredAt: successor.registeredAt };
    if (platform?.state === "misconfigured") {
      return rest(
        "waiting-for-pickup",
        `${platform.kind}: ${platform.detail}; the old generation stays until the platform is healthy again`,
      );
    }
    const graceEnds = Date.parse(successor.registeredAt) + policy.graceHours * HOUR_MS;
    if (now.getTime() >= graceEnds) return promote("grace-ended", `no use seen; the grace window of ${policy.graceHours}h ended`);
    return rest(
      "waiting-for-pickup",
      `old generation kept until the new one is used or the grace window ends at ${rfc3339(new Date(graceEnds))}`,
    );
  });
}

function startOrRest(
  key: string,
  record: Generation,
  active: DeployedToken | undefined,
  observations: Observations,
  now: Date,
  policy: RotationPolicy,
): RotationAction {
  const expiresAt = active?.expiresOn ? Date.parse(active.expiresOn) : undefined;
  const dueByDate = policy.force || expiresAt === undefined || expiresAt - now.getTime() <= policy.ifDueWithinDays * DAY_MS;
  const successor = { generation: record.generation + 1, issuedAt: rfc3339(now) };
  if (dueByDate) return { kind: "declare-successor", key, successor };
  // A token Cloudflare deactivated as exposed no longer works for its platform, whatever its expiry: due now.
  const exposed = observations.exposed.get(key);
  if (exposed === undefined) return { kind: "observe-exposure", key, token: active! };
  if (exposed) return { kind: "declare-successor", key, successor };
  return {
    kind: "rest",
    key,
    generation: record.generation,
    event: "not-due",
    detail: `expires ${active!.expiresOn}, in ${Math.floor((expiresAt! - now.getTime()) / DAY_MS)} days`,
  };
}
