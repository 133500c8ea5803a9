import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { recordRun } from "../../src/automation/record-run";
import { exitCodeFor } from "../../src/cli/errors";
import { ChangedThenStoppedError, NothingChangedError } from "../../src/domain/run-errors";
import { type Pipeline } from "../../src/automation/pipeline";
import { writeEvidence } from "../../src/evidence/write";

const clock = new Date("2027-01-01T00:00:00Z");
const printed: string[] = [];
/** A pipeline whose work changes something (counted) when `changed`. */
const pipelineThat = (changed: boolean) => {
  let changes = 0;
  return {
    context: { engine: { label: "engine: test" }, now: async () => clock, progress: (line: string) => printed.push(line) },
    apiCalls: () => 7,
    changes: () => (changed ? ++changes : changes),
    clock: async () => ({ source: "sandbox", sandbox: "sandbox-1" }),
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
      clock: { source: "sandbox", sandbox: "sandbox-1" },
      problems: ["stopped: webhook secret missing"],
      stopped: { afterChange: false },
      controls: [
        {
          control: "SOC 2 CC6.2",
          proves: "refused before any change (stopped: webhook secret missing): no token was issued, changed or revoked",
        },
      ],
    });
    // A stopped run moved the chain head too, and says so as a finished run does.
    expect(printed.slice(-2)).toEqual([
      `evidence: ${path.join(dir, "prod", file!.replace(/\.json$/, ".md"))}`,
      `evidence chain head: #1 sha256 ${record.chain.hash}`,
    ]);
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
    // The record says the same as the exit code: stopped before or after a change, and claims nothing more.
    const [file] = readdirSync(path.join(dir, "prod")).filter((f) => f.endsWith(".json"));
    const record = JSON.parse(readFileSync(path.join(dir, "prod", file!), "utf8"));
    expect(record.stopped).toEqual({ afterChange: exit === 2 });
    expect(record.controls).toHaveLength(1);
  });
});

describe("the evidence directory", () => {
  const done = { ok: true, tokens: [], problems: [] };

  it("that cannot be created (under a file) stops the run before its work starts: nothing changed, exit 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    writeFileSync(path.join(dir, "a-file"), "");
    const evidenceDir = path.join(dir, "a-file", "evidence");
    let worked = false;
    const thrown = await recordRun(pipeline, { evidenceDir, projectDir: dir, stack: "prod", command: "up" }, async () => {
      worked = true;
      return done;
    }).catch((error: unknown) => error);
    expect(worked).toBe(false);
    expect(exitCodeFor(thrown)).toBe(1);
    expect((thrown as Error).message).toMatch(
      /^--evidence-dir .*a-file\/evidence: cannot write evidence to .*ENOTDIR.*nothing was changed\. Fix: /,
    );
  });

  it("that exists and is writable is left as it was: the check leaves no file and no stack folder", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const evidenceDir = path.join(dir, "evidence");
    let seen: string[] | undefined;
    await recordRun(pipeline, { evidenceDir, projectDir: dir, stack: "prod", command: "up" }, async () => {
      seen = readdirSync(evidenceDir);
      return done;
    });
    expect(seen).toEqual([]);
    expect(readdirSync(path.join(evidenceDir, "prod")).sort()).toEqual([
      expect.stringMatching(/-up\.json$/),
      expect.stringMatching(/-up\.md$/),
    ]);
  });

  it("that becomes unwritable mid-run: the record is retried, then written to the fallback chained to the folder, and the run exits 2 naming both", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const evidenceDir = path.join(dir, "evidence");
    const fallbackDir = path.join(dir, "home", ".cfct", "evidence-fallback");
    const first = writeEvidence(evidenceDir, {
      schemaVersion: 1,
      command: "up",
      stack: "prod",
      engine: "engine: test",
      clock: { source: "real" },
      commit: null,
      startedAt: "2026-12-01T00:00:00.000Z",
      finishedAt: "2026-12-01T00:00:00.000Z",
      ok: true,
      apiCalls: 0,
      tokens: [],
      rotation: [],
      problems: [],
    });
    const head = JSON.parse(readFileSync(first.json, "utf8")).chain;
    const thrown = await recordRun(
      pipelineThat(true),
      { evidenceDir, projectDir: dir, stack: "prod", command: "up", fallbackDir },
      async () => {
        // Mid-run the record's own path stops taking writes (root ignores permissions; a directory in its place does not).
        mkdirSync(path.join(evidenceDir, "prod", "2027-01-01T00-00-00-000Z-000002-up.json"));
        return done;
      },
    ).catch((error: unknown) => error);
    expect(exitCodeFor(thrown)).toBe(2);
    const message = (thrown as Error).message;
    expect(message).toContain(`evidence could not be written to ${path.join(evidenceDir, "prod")} (EISDIR`);
    const [fallback] = readdirSync(path.join(fallbackDir, "prod")).filter((f) => f.endsWith(".json"));
    expect(message).toContain(`the record is at ${path.join(fallbackDir, "prod", fallback!)}`);
    expect(message).toContain("Fix: make");
    const record = JSON.parse(readFileSync(path.join(fallbackDir, "prod", fallback!), "utf8"));
    expect(record.chain).toMatchObject({ sequence: 2, previous: head.hash });
  });

  it("that a failed run cannot write to: the record goes to the fallback and the run's own error still stops it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const evidenceDir = path.join(dir, "evidence");
    const fallbackDir = path.join(dir, "fallback");
    printed.length = 0;
    const thrown = await recordRun(pipeline, { evidenceDir, projectDir: dir, stack: "prod", command: "up", fallbackDir }, async () => {
      rmSync(evidenceDir, { recursive: true, force: true });
      writeFileSync(evidenceDir, "not a directory");
      throw new Error("deploy refused");
    }).catch((error: unknown) => error);
    expect((thrown as Error).message).toBe("deploy refused");
    expect(printed.join("\n")).toMatch(/evidence could not be written to .*ENOTDIR.*the record is at .*fallback\/prod\//);
  });
});
