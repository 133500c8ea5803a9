import { classifyStop } from "../domain/run-errors";
import type { EvidenceRecord } from "../evidence/record";
import { currentCommit, writeEvidence, type WrittenEvidence } from "../evidence/write";
import type { RunSummary } from "./pipeline";
import type { RotateSummary } from "./rotate";
import { type Pipeline } from "./pipeline";

export interface RunRecordOptions {
  readonly evidenceDir: string;
  readonly projectDir: string;
  readonly stack: string;
  readonly command: EvidenceRecord["command"];
}

/**
 * Runs one command's work and writes its evidence: times, the engine, the commit, and the API calls
 * this run made (the engine's and rotation's reads, plus every verification's own).
 */
export async function recordRun<T extends RunSummary & Partial<Pick<RotateSummary, "events">>>(
  pipeline: Pipeline,
  options: RunRecordOptions,
  work: () => Promise<T>,
): Promise<{ summary: T; evidence: WrittenEvidence }> {
  // The pipeline's clock (the sandbox's in a rehearsal), so times in evidence agree with its events.
  const startedAt = await pipeline.context.now();
  const callsBefore = pipeline.apiCalls();
  const changesBefore = pipeline.changes();
  const cleanupsBefore = pipeline.cleanups().length;
  const write = async (summary: RunSummary & Partial<Pick<RotateSummary, "events">>) =>
    writeEvidence(options.evidenceDir, {
      schemaVersion: 1,
      command: options.command,
      stack: options.stack,
      engine: pipeline.context.engine.label,
      commit: currentCommit(options.projectDir),
      startedAt: startedAt.toISOString(),
      finishedAt: (await pipeline.context.now()).toISOString(),
      ok: summary.ok,
      apiCalls: pipeline.apiCalls() - callsBefore + summary.tokens.reduce((sum, t) => sum + (t.verify?.apiCalls ?? 0), 0),
      tokens: summary.tokens,
      rotation: summary.events ?? [],
      problems: summary.problems,
      // Written when the run fails too: a deleted leftover is a change, whatever came after it.
      ...(pipeline.cleanups().length > cleanupsBefore ? { cleanup: [...pipeline.cleanups().slice(cleanupsBefore)] } : {}),
    });
  let summary: T;
  try {
    summary = await work();
  } catch (error) {
    // Whether the run had changed anything decides the exit code (src/cli/errors.ts).
    const stop = classifyStop(error, pipeline.changes() > changesBefore);
    // A run that stops half-way still leaves a record of that, if it can; the original error is what the user needs.
    await write({
      ok: false,
      tokens: [],
      problems: [`stopped: ${stop instanceof Error ? stop.message || stop.name : String(stop)}`],
    }).catch(() => undefined);
    throw stop;
  }
  return { summary, evidence: await write(summary) };
}
