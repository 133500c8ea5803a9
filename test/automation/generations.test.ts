import { describe, expect, it } from "vitest";
import type { DeployedToken } from "../../src/automation/engine";
import { isRegistered, pinGenerations, withRegistration } from "../../src/automation/generations";

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
      drata: { active: { generation: 2, issuedAt: "2026-09-01T00:00:00Z" }, successor: { generation: 3, issuedAt: "2026-11-20T00:00:00Z" } },
    });
  });

  it("drops keys that are no longer planned", () => {
    expect(pinGenerations({ gone: { active: { generation: 1, issuedAt: "2026-01-01T00:00:00Z" } } }, [], [], NOW)).toEqual({});
  });

  it("records registration per generation", () => {
    const g = { drata: { active: { generation: 1, issuedAt: "2026-01-01T00:00:00Z" }, successor: { generation: 2, issuedAt: "2026-02-01T00:00:00Z" } } };
    const marked = withRegistration(g, "drata", 2, "2026-02-01T01:00:00Z");
    expect([isRegistered(marked, "drata", 1), isRegistered(marked, "drata", 2)]).toEqual([false, true]);
    expect(marked.drata!.successor!.registeredAt).toBe("2026-02-01T01:00:00Z");
  });
});
