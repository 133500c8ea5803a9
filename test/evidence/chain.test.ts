import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { recordFiles, verifyChain } from "../../src/evidence/chain";
import { loadRecords } from "../../src/evidence/period";
import { buildPeriodReport, renderPeriodMarkdown } from "../../src/evidence/period-report";
import { renderEvidenceMarkdown, writeEvidence } from "../../src/evidence/write";
import { evidenceContent as content } from "../helpers/histories";

const DRATA_TOKEN = {
  key: "drata",
  id: "46d638101ead68295afc73a5d2a69e06",
  name: "cfct prod drata g1",
  platform: "drata",
  owner: { kind: "user" as const },
  generation: 1,
  resources: [{ "com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24": "*" }],
  logicalName: "drata-g1",
  groups: [
    { name: "Zone Read", scope: "com.cloudflare.api.account.zone" as const },
    { name: "User Details Read", scope: "com.cloudflare.api.user" as const },
  ],
  expiresOn: "2026-04-01T00:00:00Z",
  ipFilter: { allowed: ["203.0.113.0/24"], denied: [] },
  change: "create" as const,
  verify: { ok: true, apiCalls: 12, checks: [{ id: "liveness", status: "pass" as const, detail: "active" }] },
  registration: { registrar: "handoff", status: "handed-off" as const, detail: "sheet written", attempts: 1, at: "2026-01-02T10:00:05Z" },
};

/** An evidence folder with up, rotate, destroy in that order. */
function threeRecords(): { dir: string; folder: string; files: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-chain-"));
  writeEvidence(dir, content("up", "2026-01-02T10:00:00.000Z", { tokens: [DRATA_TOKEN] }));
  writeEvidence(dir, content("rotate", "2026-02-01T10:00:00.000Z", { rotation: [{ key: "drata", at: "2026-02-01T10:00:00Z", event: "successor-created", generation: 2, detail: "g2 created" }] }));
  writeEvidence(dir, content("destroy", "2026-03-01T10:00:00.000Z"));
  const folder = path.join(dir, "prod");
  return { dir, folder, files: recordFiles(folder) };
}

const verify = (folder: string) => verifyChain(folder, renderEvidenceMarkdown);
const periodReport = (folder: string, since: string, until: string) =>
  renderPeriodMarkdown(
    buildPeriodReport({
      stack: "prod",
      records: loadRecords(recordFiles(folder)),
      chain: verify(folder),
      period: { since: new Date(since), until: new Date(until), now: new Date(until) },
      folder: "evidence/prod",
    }),
  );
const json = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("evidence hash chain", () => {
  it("links each record to the one before it and maps it to controls", () => {
    const { folder, files } = threeRecords();
    const [up, rotate, destroy] = files.map(json);
    expect(up.chain).toMatchObject({ sequence: 1, previous: null });
    expect(rotate.chain).toMatchObject({ sequence: 2, previous: up.chain.hash });
    expect(destroy.chain).toMatchObject({ sequence: 3, previous: rotate.chain.hash });
    expect(up.controls.map((c: { control: string }) => c.control)).toEqual(expect.arrayContaining(["SOC 2 CC6.1", "SOC 2 CC6.2"]));
    // The destroy record names no token: it claims no revocation (test/evidence/controls.test.ts has the rest).
    expect(destroy.controls).toEqual([{ control: "SOC 2 CC6.2", proves: "the stack had no token to revoke: nothing was removed" }]);
    expect(readFileSync(files[0]!.replace(/\.json$/, ".md"), "utf8")).toContain("## Controls evidenced");
    expect(verify(folder)).toMatchObject({ verified: 3, unchained: [], head: { sequence: 3, hash: destroy.chain.hash } });
    expect(verify(folder).problem).toBeUndefined();
  });

  it("names an edited record and counts the records before it", () => {
    const { folder, files } = threeRecords();
    const record = json(files[1]!);
    record.apiCalls = 4;
    writeFileSync(files[1]!, JSON.stringify(record, null, 2));
    expect(verify(folder).problem).toMatchObject({ file: files[1], kind: "edited" });
    expect(verify(folder).verified).toBe(1);
  });

  it("accepts a record re-serialised with other key order and whitespace: the hash is over canonical content", () => {
    const { folder, files } = threeRecords();
    const record = json(files[0]!);
    writeFileSync(files[0]!, JSON.stringify(Object.fromEntries(Object.entries(record).reverse())));
    writeFileSync(files[0]!.replace(/\.json$/, ".md"), renderEvidenceMarkdown(record));
    expect(verify(folder).problem).toBeUndefined();
  });

  it("names an edited Markdown summary", () => {
    const { folder, files } = threeRecords();
    const md = files[2]!.replace(/\.json$/, ".md");
    writeFileSync(md, readFileSync(md, "utf8").replace("| result | OK |", "| result | FAILED |"));
    expect(verify(folder).problem).toMatchObject({ file: md, kind: "edited" });
  });

  it("names the record after a removed one", () => {
    const { folder, files } = threeRecords();
    rmSync(files[1]!);
    rmSync(files[1]!.replace(/\.json$/, ".md"));
    const { problem } = verify(folder);
    expect(problem).toMatchObject({ file: files[2], kind: "removed" });
    expect(problem!.detail).toContain("record(s) #2 before");
  });

  it("names reordered records: a file renamed, or two records' contents swapped", () => {
    const { folder, files } = threeRecords();
    const moved = path.join(folder, "2025-12-31T00-00-00-000Z-000003-destroy.json");
    renameSync(files[2]!, moved);
    renameSync(files[2]!.replace(/\.json$/, ".md"), moved.replace(/\.json$/, ".md"));
    expect(verify(folder).problem).toMatchObject({ file: moved, kind: "reordered" });
    expect(verify(folder).problem!.detail).toContain("holds record #3 of 2026-03-01T10:00:00.000Z");

    const swapped = threeRecords();
    const [first, second] = swapped.files.map((f) => [readFileSync(f, "utf8"), readFileSync(f.replace(/\.json$/, ".md"), "utf8")] as const);
    for (const [file, [record, markdown]] of [[swapped.files[0]!, second!], [swapped.files[1]!, first!]] as const) {
      writeFileSync(file, record);
      writeFileSync(file.replace(/\.json$/, ".md"), markdown);
    }
    expect(verify(swapped.folder).problem).toMatchObject({ file: swapped.files[1], kind: "reordered" });
  });

  it("keeps two records of the same second apart, in chain order", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-chain-"));
    writeEvidence(dir, content("up", "2026-01-02T10:00:00Z"));
    writeEvidence(dir, content("up", "2026-01-02T10:00:00Z"));
    const folder = path.join(dir, "prod");
    expect(recordFiles(folder).map((f) => path.basename(f))).toEqual(["2026-01-02T10-00-00Z-000001-up.json", "2026-01-02T10-00-00Z-000002-up.json"]);
    expect(verify(folder)).toMatchObject({ verified: 2 });
  });

  it("names a file that is not JSON any more", () => {
    const { folder, files } = threeRecords();
    writeFileSync(files[0]!, readFileSync(files[0]!, "utf8").slice(0, 50));
    expect(verify(folder).problem).toMatchObject({ file: files[0], kind: "unreadable" });
  });

  it("reports records written before the chain as unchained, and chains new ones after them", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-chain-"));
    const folder = path.join(dir, "prod");
    mkdirSync(folder);
    const legacy = path.join(folder, "2025-06-01T10-00-00-000Z-up.json");
    writeFileSync(legacy, JSON.stringify(content("up", "2025-06-01T10:00:00.000Z", { tokens: [DRATA_TOKEN] }), null, 2));
    writeEvidence(dir, content("rotate", "2026-02-01T10:00:00.000Z"));
    const report = verify(folder);
    expect(report).toMatchObject({ verified: 1, unchained: [legacy] });
    expect(report.problem).toBeUndefined();
    expect(json(recordFiles(folder)[1]!).chain).toMatchObject({ sequence: 1, previous: null });
  });
});

describe("evidence report for an audit period", () => {
  it("lists, in an auditor's order, the tokens, verifications, registrations, rotations, revocations and reviews of the period", () => {
    const { dir, folder } = threeRecords();
    writeEvidence(dir, content("audit", "2026-03-02T10:00:00.000Z", {
      review: {
        stack: "prod",
        generatedAt: "2026-03-02T10:00:00.000Z",
        tokens: [],
        notReviewed: [],
        summary: { tokens: 4, byClass: { managed: 2, orphaned: 0, unmanaged: 1, provisioner: 1 }, findings: { low: 2, medium: 1, high: 0 }, highest: "medium" },
      },
    }));
    const text = periodReport(folder, "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z");
    const sections = ["Integrity of this evidence", "Controls evidenced", "Tokens that existed", "Verifications", "Registrations", "Rotations and revocations", "Access reviews held", "Records covered"];
    const positions = sections.map((s) => text.indexOf(s));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toContain("The hash chain of 4 record(s) verifies");
    expect(text).toContain("| cfct prod drata g1 | `46d638101ead68295afc73a5d2a69e06` | user | drata | 1 | 2026-04-01T00:00:00Z | 203.0.113.0/24 | Zone Read [account.zone]; User Details Read [user] |");
    expect(text).toContain("| 2026-01-02T10:00:00.000Z | cfct prod drata g1 | passed | 1 checks |");
    expect(text).toContain("| 2026-01-02T10:00:05Z | cfct prod drata g1 | handed-off | handoff | sheet written |");
    expect(text).toContain("| 2026-02-01T10:00:00Z | drata g2 | successor-created | g2 created |");
    expect(text).toContain("| every token of the stack | revoked (cfct destroy) |");
    expect(text).toContain("| 2026-03-02T10:00:00.000Z | 4 | 2 | 0 | 1 | 0 | 1 | 2 |");
    expect(text).toContain("**SOC 2 CC6.3**");
  });

  it("keeps records outside the period out, and says first when the chain is broken", () => {
    const { folder, files } = threeRecords();
    writeFileSync(files[0]!, readFileSync(files[0]!, "utf8").replace('"apiCalls": 3', '"apiCalls": 30'));
    const text = periodReport(folder, "2026-01-15T00:00:00Z", "2026-02-15T00:00:00Z");
    expect(text).toContain(`**The hash chain is BROKEN** at ${path.basename(files[0]!)}`);
    expect(text).toContain("1 record(s)");
    expect(text).not.toContain("cfct prod drata g1 |");
  });
});
