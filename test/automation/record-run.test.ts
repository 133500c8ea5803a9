import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Pipeline } from "../../src/automation/context";
import { recordRun } from "../../src/automation/record-run";

const clock = new Date("2027-01-01T00:00:00Z");
const pipeline = { context: { engine: { label: "engine: test" }, now: async () => clock }, apiCalls: () => 7 } as unknown as Pipeline;

describe("evidence of a run", () => {
  it("is written even when the run stops half-way, saying why, with the pipeline's clock", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const options = { evidenceDir: dir, projectDir: dir, stack: "prod", command: "rotate" as const };
    await expect(recordRun(pipeline, options, async () => Promise.reject(new Error("webhook secret missing")))).rejects.toThrow("webhook secret missing");
    const [file] = readdirSync(path.join(dir, "prod")).filter((f) => f.endsWith(".json"));
    const record = JSON.parse(readFileSync(path.join(dir, "prod", file!), "utf8"));
    expect(record).toMatchObject({ ok: false, command: "rotate", startedAt: "2027-01-01T00:00:00.000Z", problems: ["stopped: webhook secret missing"] });
  });
});
