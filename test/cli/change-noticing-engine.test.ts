import { describe, expect, it } from "vitest";
import type { EngineResult, ResourceChange, StackEngine } from "../../src/automation/engine";
import { ChangeCount } from "../../src/cli/change-count";
import { ChangeNoticingEngine } from "../../src/cli/change-noticing-engine";
import { ChangedThenStoppedError, NothingChangedError } from "../../src/domain/run-errors";

/** An engine whose up/destroy answer with `outcome` (or throw it), recording every call it gets. */
function engineThat(outcome: readonly ResourceChange[] | Error, inFlight?: readonly string[]) {
  const calls: string[] = [];
  const record = <T>(call: string, value: T): Promise<T> => {
    calls.push(call);
    return Promise.resolve(value);
  };
  const answer = async (method: string): Promise<EngineResult> => {
    calls.push(method);
    if (outcome instanceof Error) throw outcome;
    return { changes: outcome, tokens: [] };
  };
  const engine: StackEngine = {
    label: "engine: test",
    preview: () => record("preview", { changes: [] }),
    up: () => answer("up"),
    destroy: () => answer("destroy"),
    outputs: () => record("outputs", []),
    tokenValue: (name) => record(`tokenValue ${name}`, "value"),
    settings: () => record("settings", {} as Awaited<ReturnType<StackEngine["settings"]>>),
    saveGenerations: () => record("saveGenerations", undefined),
    setConfig: (key) => record(`setConfig ${key}`, undefined),
    ...(inFlight ? { inFlight: () => inFlight } : {}),
  };
  return { engine, calls };
}

function noticing(engine: StackEngine) {
  const changes = new ChangeCount();
  const watched = new ChangeNoticingEngine(engine, changes);
  return { watched, changed: () => changes.total };
}

describe("ChangeNoticingEngine: did this run change anything?", () => {
  it.each([
    ["up", [{ logicalName: "drata", op: "create" }], 1],
    ["up", [{ logicalName: "drata", op: "same" }], 0],
    ["destroy", [{ logicalName: "drata", op: "delete" }], 1],
    ["destroy", [], 0],
  ] as const)("%s reporting %j counts %i change(s), and returns the engine's result", async (method, changes, counted) => {
    const { engine } = engineThat(changes);
    const { watched, changed } = noticing(engine);
    expect((await watched[method]()).changes).toEqual(changes);
    expect(changed()).toBe(counted);
  });

  it("a deploy that throws NothingChangedError counts nothing, and the error reaches the caller", async () => {
    const refusal = new NothingChangedError("refused before anything was sent");
    const { watched, changed } = noticing(engineThat(refusal).engine);
    await expect(watched.up()).rejects.toBe(refusal);
    expect(changed()).toBe(0);
  });

  it.each([new ChangedThenStoppedError("created one, then stopped"), new Error("the engine crashed")])(
    "a deploy that throws anything else (%s) may have changed the stack: it counts, and the error reaches the caller",
    async (failure) => {
      const { watched, changed } = noticing(engineThat(failure).engine);
      await expect(watched.destroy()).rejects.toBe(failure);
      expect(changed()).toBe(1);
    },
  );

  it("passes every other method through unchanged and counts nothing for them", async () => {
    const { engine, calls } = engineThat([]);
    const { watched, changed } = noticing(engine);
    expect(watched.label).toBe("engine: test");
    await watched.preview();
    await watched.outputs();
    expect(await watched.tokenValue("drata")).toBe("value");
    await watched.settings();
    await watched.saveGenerations({});
    await watched.setConfig("connections", []);
    expect(calls).toEqual(["preview", "outputs", "tokenValue drata", "settings", "saveGenerations", "setConfig connections"]);
    expect(changed()).toBe(0);
  });

  it("reports the engine's in-flight creates, and undefined when the engine cannot tell", () => {
    expect(noticing(engineThat([], ["cfct dev drata g2"]).engine).watched.inFlight()).toEqual(["cfct dev drata g2"]);
    expect(noticing(engineThat([]).engine).watched.inFlight()).toBeUndefined();
  });
});
