import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { anchorProblem, headText, parseAnchorLines } from "../../src/evidence/anchor";
import { chainLinks, recordFiles, recordHash } from "../../src/evidence/chain";
import type { EvidenceRecord } from "../../src/evidence/record";
import { renderEvidenceMarkdown, writeEvidence } from "../../src/evidence/write";
import { cfct } from "../helpers/cli-run";
import { evidenceContent } from "../helpers/histories";

/** A chain of three records; returns the folder and the head each write printed. */
function chain() {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-anchor-"));
  const heads = [
    writeEvidence(dir, evidenceContent("up", "2026-01-02T10:00:00.000Z", { ok: false, problems: ["drata-g1: verification FAILED"] })).head,
    writeEvidence(dir, evidenceContent("rotate", "2026-02-01T10:00:00.000Z")).head,
    writeEvidence(dir, evidenceContent("audit", "2026-03-01T10:00:00.000Z")).head,
  ];
  return { folder: path.join(dir, "prod"), heads };
}

/**
 * What an insider who can edit the folder does: change record #1 (a failed run becomes a clean
 * one), then re-seal it and every record after it, Markdown twins included. `cfct evidence verify` alone
 * cannot tell: the chain is unkeyed SHA-256.
 */
function rewriteFirstRecord(folder: string): void {
  let previous: string | null = null;
  recordFiles(folder).forEach((file, index) => {
    const record = JSON.parse(readFileSync(file, "utf8")) as EvidenceRecord;
    if (index === 0) Object.assign(record, { ok: true, problems: [] });
    const link = { sequence: record.chain!.sequence, previous, hash: "" };
    const resealed = { ...record, chain: { ...link, hash: recordHash({ ...record, chain: link }) } };
    writeFileSync(file, JSON.stringify(resealed, null, 2));
    writeFileSync(file.replace(/\.json$/, ".md"), renderEvidenceMarkdown(resealed));
    previous = resealed.chain.hash;
  });
}

describe("evidence anchors: a head kept apart from the folder", () => {
  it("every write returns the new head, and the chain's links are in sequence order", () => {
    const { folder, heads } = chain();
    expect(heads.map((h) => h.sequence)).toEqual([1, 2, 3]);
    expect(chainLinks(folder)).toEqual(heads);
    expect(headText(heads[2]!)).toMatch(/^#3 sha256 [0-9a-f]{64}$/);
  });

  it("a rewritten and re-sealed chain, or one whose newest record was removed, no longer holds the anchor", () => {
    const { folder, heads } = chain();
    const byHash = { source: "--anchor", hash: heads[2]!.hash };
    const bySequence = { ...byHash, sequence: 3 };
    expect(anchorProblem(chainLinks(folder), bySequence)).toBeUndefined();
    expect(anchorProblem(chainLinks(folder), { ...byHash, sequence: 2 })).toContain("that hash is record #3, not #2");

    rewriteFirstRecord(folder);
    expect(anchorProblem(chainLinks(folder), byHash)).toContain("no record has that hash: the chain was rewritten and re-sealed");
    expect(anchorProblem(chainLinks(folder), bySequence)).toContain("record #3 has sha256");

    const truncated = chain();
    rmSync(recordFiles(truncated.folder)[2]!);
    expect(anchorProblem(chainLinks(truncated.folder), { source: "f:1", hash: truncated.heads[2]!.hash, sequence: 3 })).toBe(
      `f:1 (${headText(truncated.heads[2]!)}): the chain ends at #2: its newest record(s) were removed`,
    );
  });

  it("reads an anchor file: cfct's own head lines, bare hashes, anything after them; a line with no hash is refused", () => {
    const hash = "ab".repeat(32);
    expect(parseAnchorLines(`evidence chain head: #14 sha256 ${hash}\n\n${hash.toUpperCase()}  2026-03-01 run 42\n`, "a.txt")).toEqual([
      { source: "a.txt:1", hash, sequence: 14 },
      { source: "a.txt:3", hash },
    ]);
    expect(() => parseAnchorLines("#14 sha256 abc\n", "a.txt")).toThrow("--anchor a.txt: line 1 holds no SHA-256");
    expect(() => parseAnchorLines("\n", "a.txt")).toThrow("--anchor a.txt is empty");
  });
});

describe("cfct evidence verify --anchor", { timeout: 120_000 }, () => {
  it("exit 0 while the chain holds the anchored head; exit 2 once it was re-sealed, though verify alone still says ok", async () => {
    const { folder, heads } = chain();
    const anchorFile = path.join(folder, "..", "anchors.txt");
    writeFileSync(anchorFile, `${headText(heads[1]!)} run 1\n${headText(heads[2]!)} run 2\n`);

    const ok = await cfct(["evidence", "verify", "--dir", folder, "--anchor", heads[2]!.hash]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`newest ${headText(heads[2]!)}`);
    expect(ok.stdout).toContain("holds every anchored head (1)");
    expect((await cfct(["evidence", "verify", "--dir", folder, "--anchor", anchorFile])).code).toBe(0);

    rewriteFirstRecord(folder);
    const unanchored = await cfct(["evidence", "verify", "--dir", folder]);
    expect(unanchored.code).toBe(0); // the weakness an anchor closes
    const anchored = await cfct(["evidence", "verify", "--dir", folder, "--anchor", anchorFile]);
    expect(anchored.code).toBe(2);
    expect(anchored.stdout).toContain("BROKEN: the chain does not hold 2 of 2 anchored head(s)");
    expect(anchored.stdout).toContain(`${anchorFile}:2 (${headText(heads[2]!)}): record #3 has sha256`);

    const bad = await cfct(["evidence", "verify", "--dir", folder, "--anchor", "not-a-hash"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--anchor not-a-hash is neither a SHA-256 (64 hex) nor a file");
  });
});
