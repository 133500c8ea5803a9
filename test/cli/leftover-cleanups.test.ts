import { describe, expect, it } from "vitest";
import { ChangeCount } from "../../src/cli/change-count";
import { LeftoverCleanups } from "../../src/cli/leftover-cleanups";

describe("LeftoverCleanups: a deleted leftover is a change, and the evidence names it", () => {
  it("records each deletion as a change and as evidence, in the order the engine deleted them", async () => {
    const changes = new ChangeCount();
    const cleanups = new LeftoverCleanups(changes, () => Promise.resolve(new Date("2026-03-01T12:00:00Z")));
    await cleanups.record({ id: "t1", name: "cfct dev drata g2", owner: { kind: "user" } });
    await cleanups.record({ id: "t2", name: "cfct dev ascera g1", owner: { kind: "account", accountId: "a1" } });
    expect(changes.total).toBe(2);
    expect(cleanups.all.map((c) => [c.id, c.name, c.at])).toEqual([
      ["t1", "cfct dev drata g2", "2026-03-01T12:00:00Z"],
      ["t2", "cfct dev ascera g1", "2026-03-01T12:00:00Z"],
    ]);
    expect(cleanups.all[0]!.detail).toMatch(/interrupted earlier run.*deleted by this run/);
  });

  it("counts the change even when the clock cannot be read, so a stopped run still says it changed something", async () => {
    const changes = new ChangeCount();
    const unreachable = new Error("the sandbox's clock did not answer");
    const cleanups = new LeftoverCleanups(changes, () => Promise.reject(unreachable));
    await expect(cleanups.record({ id: "t1", name: "cfct dev drata g2", owner: { kind: "user" } })).rejects.toBe(unreachable);
    expect(changes.total).toBe(1);
    expect(cleanups.all).toEqual([]);
  });
});
