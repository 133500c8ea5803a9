import { describe, expect, it } from "vitest";
import type { DeployedToken } from "../../src/automation/engine";
import { isRegistered, pinGenerations, withOwnUse, withRegistration } from "../../src/automation/generations";

const NOW = new Date("2026-11-25T12:00:00Z");
const deployed = (key: string, generation: number, issuedAt: string): DeployedToken => ({
  logicalName: `${key}-g${generation}`,
  key,
  generation,
  issuedAt,
  id: `id-${key}-${generation}`,
  name: `cfct dev ${key} g${generation}`,
  platform: "drata",
  owner: { kind: "user" },
  groups: [],
  resources: [],
  expiresOn: null,
});

describe("token generations", () => {
  it("pins a first generation at now for a new key, and keeps recorded ones", () => {
    const recorded = { old: { active: { generation: 3, issuedAt: "2026-10-01T00:00:00Z" } } };
    expect(pinGenerations(recorded, [deployed("old", 3, "2026-10-01T00:00:00Z")], ["old", "new"], NOW)).toEqual({
      old: recorded.old,
      new: { active: { generation: 1, issuedAt: "2026-11-25T12:00:00Z" } },
    });
  });

  it("rebuilds lost config from the stack's outputs instead of forgetting (and so deleting) a generation", () => {
    const live = [deployed("drata", 2, "2026-09-01T00:00:00Z"), deployed("drata", 3, "2026-11-20T00:00:00Z")];
    expect(pinGenerations({}, live, ["drata"], NOW)).toEqual({
      drata: {
        active: { generation: 2, issuedAt: "2026-09-01T00:00:00Z" },
        successor: { generation: 3, issuedAt: "2026-11-20T00:00:00Z" },
      },
    });
  });

  it("drops keys that are no longer planned", () => {
    expect(pinGenerations({ gone: { active: { generation: 1, issuedAt: "2026-01-01T00:00:00Z" } } }, [], [], NOW)).toEqual({});
  });

  it("records registration per generation and per token ID: a replaced token must be registered again", () => {
    const g = {
      drata: {
        active: { generation: 1, issuedAt: "2026-01-01T00:00:00Z" },
        successor: { generation: 2, issuedAt: "2026-02-01T00:00:00Z" },
      },
    };
    const second = deployed("drata", 2, "2026-02-01T00:00:00Z");
    const marked = withRegistration(g, second, "2026-02-01T01:00:00Z");
    expect([isRegistered(marked, deployed("drata", 1, "x")), isRegistered(marked, second)]).toEqual([false, true]);
    expect(marked.drata!.successor).toMatchObject({ registeredAt: "2026-02-01T01:00:00Z", registeredTokenId: "id-drata-2" });
    expect(isRegistered(marked, { ...second, id: "a-new-id-after-replacement" })).toBe(false);
    expect(withOwnUse(marked, second, "2026-02-01T01:00:05Z").drata!.successor!.cfctLastUse).toBe("2026-02-01T01:00:05Z");
  });

  it("a stale stack file cannot bring back a revoked generation", () => {
    const stale = {
      drata: {
        active: { generation: 1, issuedAt: "2026-09-01T00:00:00Z" },
        successor: { generation: 2, issuedAt: "2026-11-20T00:00:00Z", registeredAt: "2026-11-20T01:00:00Z" },
      },
    };
    expect(pinGenerations(stale, [deployed("drata", 2, "2026-11-20T00:00:00Z")], ["drata"], NOW)).toEqual({
      drata: { active: { generation: 2, issuedAt: "2026-11-20T00:00:00Z", registeredAt: "2026-11-20T01:00:00Z" } },
    });
  });

  it("keeps a successor that is recorded but not created yet (a rotation interrupted before its deploy)", () => {
    const rotating = {
      drata: {
        active: { generation: 1, issuedAt: "2026-09-01T00:00:00Z" },
        successor: { generation: 2, issuedAt: "2026-11-25T11:00:00Z" },
      },
    };
    expect(pinGenerations(rotating, [deployed("drata", 1, "2026-09-01T00:00:00Z")], ["drata"], NOW)).toEqual(rotating);
  });

  it("with nothing live (destroyed, or never created) a generation is issued now, never with a stale issue time", () => {
    const destroyed = { drata: { active: { generation: 3, issuedAt: "2026-01-01T00:00:00Z", registeredAt: "2026-01-01T00:01:00Z" } } };
    expect(pinGenerations(destroyed, [], ["drata"], NOW)).toEqual({
      drata: { active: { generation: 3, issuedAt: "2026-11-25T12:00:00Z" } },
    });
  });
});
