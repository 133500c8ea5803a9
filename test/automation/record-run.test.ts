import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { recordRun } from "../../src/automation/record-run";
import { exitCodeFor } from "../../src/cli/errors";
import { ChangedThenStoppedError, NothingChangedError } from "../../src/domain/run-errors";
import { type Pipeline } from "../../src/automation/pipeline";

const clock = new Date("2027-01-01T00:00:00Z");
/** A pipeline whose work changes something (counted) when `changed`. */
const pipelineThat = (changed: boolean) => {
  let changes = 0;
  return {
    context: { engine: { label: "engine: test" }, now: async () => clock },
    apiCalls: () => 7,
    changes: () => (changed ? ++changes : changes),
    cleanups: () => [],
  } as unknown as Pipeline;
};
const pipeline = pipelineThat(false);

describe("evidence of a run", () => {
  it("is written even when the run stops half-way, saying why, with the pipeline's clock", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const options = { evidenceDir: dir, projectDir: dir, stack: "prod", command: "rotate" as const };
    await expect(recordRun(pipeline, options, async () => Promise.reject(new Error("webhook secret missing")))).rejects.toThrow(
      "webhook secret missing",
    );
    const [file] = readdirSync(path.join(dir, "prod")).filter((f) => f.endsWith(".json"));
    const record = JSON.parse(readFileSync(path.join(dir, "prod", file!), "utf8"));
    expect(record).toMatchObject({
      ok: false,
      command: "rotate",
      startedAt: "2027-01-01T00:00:00.000Z",
      problems: ["stopped: webhook secret missing"],
    });
  });

  it.each([
    { stop: new Error("fetch failed"), changed: false, exit: 1 },
    { stop: new Error("fetch failed"), changed: true, exit: 2 },
    { stop: new NothingChangedError("stack locked"), changed: false, exit: 1 },
    // The engine's own "nothing changed" is about its own step; an earlier step of the run had changed something.
    { stop: new NothingChangedError("second deploy refused"), changed: true, exit: 2 },
    { stop: new ChangedThenStoppedError("POST /tokens reset"), changed: false, exit: 2 },
  ])("a run that stops with $stop.name after changing something: $changed exits $exit", async ({ stop, changed, exit }) => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const options = { evidenceDir: dir, projectDir: dir, stack: "prod", command: "up" as const };
    const thrown = await recordRun(pipelineThat(changed), options, async () => Promise.reject(stop)).catch((error: unknown) => error);
    expect(exitCodeFor(thrown)).toBe(exit);
    expect((thrown as Error).message).toContain(stop.message);
  });
});
