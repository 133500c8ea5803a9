import { describe, expect, it } from "vitest";
import type { DeployedToken } from "../../src/automation/engine";
import { decide, NO_OBSERVATIONS, type Observations, type RotationAction, type RotationPolicy } from "../../src/automation/rotation-decide";
import type { Generation, TokenGenerations } from "../../src/domain/generation";

const NOW = new Date("2026-11-25T12:00:00Z");
const POLICY: RotationPolicy = { ifDueWithinDays: 14, force: false, graceHours: 24 };
const REGISTERED = "2026-11-25T10:00:00Z";

const token = (key: string, generation: number, expiresOn: string | null): DeployedToken => ({
  logicalName: `${key}-g${generation}`,
  key,
  generation,
  issuedAt: "2026-10-01T00:00:00Z",
  id: `id-${key}-${generation}`,
  name: `cfct dev ${key} g${generation}`,
  platform: "drata",
  owner: { kind: "user" },
  groups: [],
  resources: [],
  expiresOn,
});

const g1: Generation = { generation: 1, issuedAt: "2026-10-01T00:00:00Z" };
const g2 = (extra: Partial<Generation> = {}): Generation => ({ generation: 2, issuedAt: "2026-11-25T09:00:00Z", ...extra });
const registeredG2 = g2({ registeredAt: REGISTERED, registeredTokenId: "id-drata-2", cfctLastUse: REGISTERED });
const farOff = "2027-01-01T00:00:00Z"; // 37 days after NOW
const soon = "2026-12-01T00:00:00Z"; // 5 days after NOW
const past = "2026-11-25T11:00:00Z";

const observed = (
  o: Partial<{ [K in keyof Observations]: Record<string, Observations[K] extends ReadonlyMap<string, infer V> ? V : never> }>,
): Observations => ({
  exposed: new Map(Object.entries(o.exposed ?? {})),
  successorLastUsed: new Map(Object.entries(o.successorLastUsed ?? {})),
  platform: new Map(Object.entries(o.platform ?? {})),
  registration: new Map(Object.entries(o.registration ?? {})),
});
const handedOver = { registration: { drata: "done" as const } };

interface Row {
  readonly name: string;
  readonly generations: TokenGenerations;
  readonly deployed: readonly DeployedToken[];
  readonly observations?: Observations;
  readonly policy?: Partial<RotationPolicy>;
  readonly now?: Date;
  readonly expected: Partial<RotationAction>;
}

const rotating = { drata: { active: g1, successor: registeredG2 } };
const bothLive = [token("drata", 1, soon), token("drata", 2, "2026-12-25T09:00:00Z")];

const rows: Row[] = [
  {
    name: "not due: expiry beyond the window, and Cloudflare has not found it exposed",
    generations: { drata: { active: g1 } },
    deployed: [token("drata", 1, farOff)],
    observations: observed({ exposed: { drata: false } }),
    expected: { kind: "rest", event: "not-due", detail: `expires ${farOff}, in 36 days`, generation: 1 },
  },
  {
    name: "not due by date: first asks Cloudflare whether the value was found exposed",
    generations: { drata: { active: g1 } },
    deployed: [token("drata", 1, farOff)],
    expected: { kind: "observe-exposure", key: "drata" },
  },
  {
    name: "due: expires within the window, so a successor issued now (no exposure lookup needed)",
    generations: { drata: { active: g1 } },
    deployed: [token("drata", 1, soon)],
    expected: { kind: "declare-successor", successor: { generation: 2, issuedAt: "2026-11-25T12:00:00Z" } },
  },
  {
    name: "due: forced, whatever the expiry",
    generations: { drata: { active: g1 } },
    deployed: [token("drata", 1, farOff)],
    policy: { force: true },
    expected: { kind: "declare-successor" },
  },
  {
    name: "due: a token without expiry is always due",
    generations: { drata: { active: g1 } },
    deployed: [token("drata", 1, null)],
    expected: { kind: "declare-successor" },
  },
  {
    name: "exposed: Cloudflare deactivated the value, so it is due now despite a far expiry",
    generations: { drata: { active: g1 } },
    deployed: [token("drata", 1, farOff)],
    observations: observed({ exposed: { drata: true } }),
    expected: { kind: "declare-successor", successor: { generation: 2, issuedAt: "2026-11-25T12:00:00Z" } },
  },
  {
    name: "successor declared: deploy, verify and register it",
    generations: { drata: { active: g1, successor: g2() } },
    deployed: [token("drata", 1, soon)],
    expected: { kind: "register", key: "drata", generation: 2 },
  },
  {
    name: "failed verify or registration: rests as failed, the old generation stays",
    generations: { drata: { active: g1, successor: g2() } },
    deployed: bothLive,
    observations: observed({ registration: { drata: "failed" } }),
    expected: { kind: "rest", event: "failed", generation: 2 },
  },
  {
    name: "handed over but not registered (a registrar that recorded nothing): waits",
    generations: { drata: { active: g1, successor: g2() } },
    deployed: bothLive,
    observations: observed(handedOver),
    expected: { kind: "rest", event: "waiting-for-pickup", detail: "not registered yet" },
  },
  {
    name: "registered: asks Cloudflare when the successor was last used",
    generations: rotating,
    deployed: bothLive,
    observations: observed(handedOver),
    expected: { kind: "observe-use", key: "drata", token: bothLive[1] },
  },
  {
    name: "picked up: the successor used after cfct's own last use",
    generations: rotating,
    deployed: bothLive,
    observations: observed({ ...handedOver, successorLastUsed: { drata: "2026-11-25T10:00:01Z" } }),
    expected: { kind: "promote", event: "picked-up", generation: 2 },
  },
  {
    name: "same-second use: a use in the second of cfct's own cannot be told from it, so it is not a pickup",
    generations: rotating,
    deployed: bothLive,
    observations: observed({ ...handedOver, successorLastUsed: { drata: REGISTERED }, platform: { drata: null } }),
    expected: {
      kind: "rest",
      event: "waiting-for-pickup",
      detail: "old generation kept until the new one is used or the grace window ends at 2026-11-26T10:00:00Z",
    },
  },
  {
    name: "picked up: cfct never used it (baseline null), so any use is the platform's",
    generations: { drata: { active: g1, successor: g2({ registeredAt: REGISTERED, cfctLastUse: null }) } },
    deployed: bothLive,
    observations: observed({ ...handedOver, successorLastUsed: { drata: REGISTERED } }),
    expected: { kind: "promote", event: "picked-up" },
  },
  {
    name: "not used yet: asks the platform's status API before judging the grace window",
    generations: rotating,
    deployed: bothLive,
    observations: observed({ ...handedOver, successorLastUsed: { drata: null } }),
    expected: { kind: "observe-platform", key: "drata", registeredAt: REGISTERED },
  },
  {
    name: "grace over: no use seen, the window ended",
    generations: rotating,
    deployed: bothLive,
    observations: observed({ ...handedOver, successorLastUsed: { drata: null }, platform: { drata: null } }),
    now: new Date("2026-11-26T10:00:00Z"),
    expected: { kind: "promote", event: "grace-ended", detail: "no use seen; the grace window of 24h ended" },
  },
  {
    name: "grace over, but the platform reports itself misconfigured: it holds revocation back",
    generations: rotating,
    deployed: bothLive,
    observations: observed({
      ...handedOver,
      successorLastUsed: { drata: null },
      platform: { drata: { kind: "drata-status", pickedUp: false, state: "misconfigured", detail: "connection is misconfigured" } },
    }),
    now: new Date("2026-11-26T10:00:00Z"),
    expected: {
      kind: "rest",
      event: "waiting-for-pickup",
      detail: "drata-status: connection is misconfigured; the old generation stays until the platform is healthy again",
    },
  },
  {
    name: "the platform saying connected never allows revocation by itself: still in the grace window",
    generations: rotating,
    deployed: bothLive,
    observations: observed({
      ...handedOver,
      successorLastUsed: { drata: null },
      platform: { drata: { kind: "drata-status", pickedUp: true, state: "connected", detail: "ok" } },
    }),
    expected: { kind: "rest", event: "waiting-for-pickup" },
  },
  {
    name: "old expired: no need to wait for a pickup (and no lookup made)",
    generations: rotating,
    deployed: [token("drata", 1, past), bothLive[1]!],
    observations: observed(handedOver),
    expected: { kind: "promote", event: "old-expired", detail: `old generation expired ${past}` },
  },
  {
    name: "half-revoked: the stack still holds the old generation, so pinning kept the registered successor; grace over, promote again",
    generations: rotating,
    deployed: bothLive,
    observations: observed({ ...handedOver, successorLastUsed: { drata: null }, platform: { drata: null } }),
    now: new Date("2026-11-27T00:00:00Z"),
    expected: { kind: "promote", key: "drata", generation: 2, event: "grace-ended" },
  },
  {
    name: "half-revoked: a key whose old generation is already gone rests as not due",
    generations: { drata: { active: registeredG2 } },
    deployed: [bothLive[1]!],
    observations: observed({ exposed: { drata: false } }),
    expected: { kind: "rest", event: "not-due", generation: 2 },
  },
];

describe("decide: every rotation transition, without I/O", () => {
  it.each(rows)("$name", ({ generations, deployed, observations, policy, now, expected }) => {
    const actions = decide(generations, deployed, observations ?? NO_OBSERVATIONS, now ?? NOW, { ...POLICY, ...policy });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ key: "drata", ...expected });
  });

  it("matches generations by exact key: drata-gold's tokens are never taken for drata's", () => {
    const generations = { drata: { active: g1 }, "drata-gold": { active: g1, successor: g2() } };
    const deployed = [token("drata-gold", 1, soon), token("drata-gold", 2, farOff), token("drata", 1, farOff)];
    const actions = decide(generations, deployed, observed({ exposed: { drata: false } }), NOW, POLICY);
    expect(actions).toEqual([
      { kind: "rest", key: "drata", generation: 1, event: "not-due", detail: `expires ${farOff}, in 36 days` },
      { kind: "register", key: "drata-gold", generation: 2 },
    ]);
  });

  it("is pure: the same arguments give the same actions, and none is mutated", () => {
    const generations = structuredClone(rotating);
    const observations = observed({ ...handedOver, successorLastUsed: { drata: null }, platform: { drata: null } });
    const first = decide(generations, bothLive, observations, NOW, POLICY);
    expect(decide(generations, bothLive, observations, NOW, POLICY)).toEqual(first);
    expect(generations).toEqual(rotating);
  });
});
