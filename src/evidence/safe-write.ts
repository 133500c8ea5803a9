import { mkdirSync, rmdirSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { NothingChangedError } from "../domain/run-errors";
import type { EvidenceContent } from "./record";
import { writeEvidence, type WrittenEvidence } from "./write";

/** The evidence directory cannot take a record: found before the run changed anything. */
export class EvidenceDirectoryError extends NothingChangedError {
  override name = "EvidenceDirectoryError";
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Proves files can be written to `dir` by creating it (with `mode`, as a later write would) and
 * writing, then removing, a probe file there. A directory this created is removed again, so the
 * check leaves nothing behind. Throws the file system's error.
 */
export function writeProbe(dir: string, mode?: number): void {
  const existed = existsSync(dir);
  mkdirSync(dir, { recursive: true, ...(mode !== undefined ? { mode } : {}) });
  const probe = path.join(dir, `.cfct-write-check-${process.pid}`);
  writeFileSync(probe, "");
  unlinkSync(probe);
  if (!existed) rmdirSync(dir);
}

/**
 * Proves a record can be written to `<dir>/<stack>`: run before the first side effect, so
 * credentials are never issued with nowhere to record them.
 */
export function checkEvidenceDir(dir: string, stack: string): void {
  const folder = path.join(dir, stack);
  try {
    writeProbe(folder);
  } catch (error) {
    throw new EvidenceDirectoryError({
      summary: `--evidence-dir ${dir}: cannot write evidence to ${folder} (${reasonOf(error)}), so nothing was changed`,
      fix: "pass --evidence-dir a directory you can create and write to (default evidence/ in the project)",
    });
  }
}

/** Where a record goes when its evidence directory stopped taking writes mid-run: beside the hand-off and rehearsal areas. */
export function evidenceFallbackDir(home: string = homedir()): string {
  return path.join(home, ".cfct", "evidence-fallback");
}

export interface EvidenceWrite {
  readonly written: WrittenEvidence;
  /** Set when the record went to the fallback: the directory that refused it, and why. */
  readonly refused?: { readonly dir: string; readonly reason: string };
}

/**
 * Writes the record, trying `attempts` times; if the evidence directory still refuses it, writes it
 * under `fallbackDir` instead, chained to the evidence folder's newest record (when that can still
 * be read), so moving it back keeps the chain. Throws only when the fallback refuses it too.
 */
export function writeEvidenceOrFallback(
  dir: string,
  content: EvidenceContent,
  { fallbackDir, attempts = 3 }: { fallbackDir: string; attempts?: number },
): EvidenceWrite {
  let reason = "";
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      return { written: writeEvidence(dir, content) };
    } catch (error) {
      reason = reasonOf(error);
    }
  }
  try {
    return { written: writeEvidence(fallbackDir, content, path.join(dir, content.stack)), refused: { dir, reason } };
  } catch (error) {
    // Written after the run: classifyStop (src/automation/record-run.ts) retypes it when the run had changed something.
    throw new NothingChangedError(
      {
        summary:
          `the evidence record of this run could not be written: ${dir} refused it (${reason}) after ${attempts} attempts, ` +
          `and so did the fallback ${fallbackDir} (${reasonOf(error)})`,
        fix: `make ${dir} writable; the run's outcome is in the lines above`,
      },
      { cause: error },
    );
  }
}

/** The message for a record that went to the fallback: both places, and how to put it back. */
export function fallbackMessage(write: EvidenceWrite & { refused: NonNullable<EvidenceWrite["refused"]> }, stack: string): string {
  const intended = path.join(write.refused.dir, stack);
  return (
    `evidence could not be written to ${intended} (${write.refused.reason}) after retrying; the record is at ${write.written.json} ` +
    `(and ${path.basename(write.written.markdown)}). Fix: make ${intended} writable, then move both files into it: the record is chained to that folder's newest record`
  );
}
