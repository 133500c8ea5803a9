import { ChangedThenStoppedError, classifyStop } from "../domain/run-errors";
import { chainHeadLine } from "../evidence/anchor";
import type { EvidenceContent, EvidenceRecord } from "../evidence/record";
import { checkEvidenceDir, evidenceFallbackDir, fallbackMessage, writeEvidenceOrFallback } from "../evidence/safe-write";
import { currentCommit, type WrittenEvidence } from "../evidence/write";
import type { RunSummary } from "./pipeline";
import type { RotateSummary } from "./rotate";
import { type Pipeline } from "./pipeline";

export interface RunRecordOptions {
  readonly evidenceDir: string;
  readonly projectDir: string;
  readonly stack: string;
  readonly command: EvidenceRecord["command"];
  /** Where a record goes when evidenceDir refuses it mid-run (default ~/.cfct/evidence-fallback). */
  readonly fallbackDir?: string;
}

/**
 * Runs one command's work and writes its evidence: times, the engine, the commit, and the API calls
 * this run made (the engine's and rotation's reads, plus every verification's own). The evidence
 * directory is proven writable before the work starts; a record it refuses afterwards goes to the
 * fallback directory, and the run stops non-zero naming both.
 */
export async function recordRun<T extends RunSummary & Partial<Pick<RotateSummary, "events">>>(
  pipeline: Pipeline,
  options: RunRecordOptions,
  work: () => Promise<T>,
): Promise<{ summary: T; evidence: WrittenEvidence }> {
  checkEvidenceDir(options.evidenceDir, options.stack);
  // The pipeline's clock (the sandbox's in a rehearsal), so times in evidence agree with its events.
  const startedAt = await pipeline.context.now();
  const callsBefore = pipeline.apiCalls();
  const changesBefore = pipeline.changes();
  const cleanupsBefore = pipeline.cleanups().length;
  const write = async (summary: RunSummary & Partial<Pick<RotateSummary, "events">>, stopped?: { afterChange: boolean }) => {
    const content: EvidenceContent = {
      schemaVersion: 1,
      command: options.command,
      stack: options.stack,
      engine: pipeline.context.engine.label,
      commit: currentCommit(options.projectDir),
      clock: await pipeline.clock(),
      startedAt: startedAt.toISOString(),
      finishedAt: (await pipeline.context.now()).toISOString(),
      ok: summary.ok,
      apiCalls: pipeline.apiCalls() - callsBefore + summary.tokens.reduce((sum, t) => sum + (t.verify?.apiCalls ?? 0), 0),
      tokens: summary.tokens,
      rotation: summary.events ?? [],
      problems: summary.problems,
      ...(stopped ? { stopped } : {}),
      // Written when the run fails too: a deleted leftover is a change, whatever came after it.
      ...(pipeline.cleanups().length > cleanupsBefore ? { cleanup: [...pipeline.cleanups().slice(cleanupsBefore)] } : {}),
    };
    return writeEvidenceOrFallback(options.evidenceDir, content, { fallbackDir: options.fallbackDir ?? evidenceFallbackDir() });
  };
  let summary: T;
  try {
    summary = await work();
  } catch (error) {
    // Whether the run had changed anything decides the exit code (src/cli/errors.ts).
    const stop = classifyStop(error, pipeline.changes() > changesBefore);
    const afterChange = stop instanceof ChangedThenStoppedError;
    // A run that stops half-way still leaves a record of that, if it can; the original error is what the user needs.
    try {
      const written = await write(
        { ok: false, tokens: [], problems: [`stopped: ${stop instanceof Error ? stop.message || stop.name : String(stop)}`] },
        { afterChange },
      );
      if (written.refused) pipeline.context.progress(fallbackMessage({ ...written, refused: written.refused }, options.stack));
      // The stopped run's record moved the chain head too: print it as a finished run does.
      pipeline.context.progress(`evidence: ${written.written.markdown}`);
      pipeline.context.progress(chainHeadLine(written.written.head));
    } catch (writeError) {
      pipeline.context.progress(writeError instanceof Error ? writeError.message : String(writeError));
    }
    throw stop;
  }
  const written = await write(summary).catch((error: unknown) => {
    throw classifyStop(error, pipeline.changes() > changesBefore);
  });
  if (written.refused) {
    const lines = [...summary.problems, fallbackMessage({ ...written, refused: written.refused }, options.stack)];
    throw classifyStop(new Error(lines.join("\n")), pipeline.changes() > changesBefore);
  }
  return { summary, evidence: written.written };
}
