import path from "node:path";
import { groupLabel } from "../domain/permission-group";
import type { AccessReview } from "./access-review";
import type { ChainLink } from "./record";
import { recordFiles, verifyChain, type ChainProblem, type ChainReport } from "./chain";
import { CONTROLS, controlsEvidenced, type ControlId } from "./controls";
import { clockLabel, clockOf, loadRecords, recordRef, selectPeriod, type ClockPeriod, type LoadedRecord, type PeriodOptions, type RecordRef } from "./period";
import type { EvidenceClock, EvidenceToken } from "./record";
import { markdownCell } from "./markdown";
import { buildTimeline, type Timeline } from "./timeline";
import { renderEvidenceMarkdown } from "./write";

/**
 * One audit period's evidence as data, in the order an auditor reads it: integrity of the evidence,
 * the timeline of token generations, the controls (each statement with the records that back it),
 * the tokens that existed, then what happened to them (verifications, registrations, rotations and
 * revocations), the access reviews held, and the records covered. Markdown, HTML and JSON are
 * renderings of this one object, so they state the same facts.
 */
export interface PeriodReport {
  readonly stack: string;
  readonly integrity: Integrity;
  readonly periods: readonly PeriodSummary[];
  /** What the report leaves out, and how to include it. */
  readonly notices: readonly string[];
  /** One per clock: a rehearsal's sandbox clock is never drawn on real time's axis. */
  readonly timelines: readonly Timeline[];
  readonly controls: readonly ControlEvidence[];
  readonly tokens: readonly { readonly token: EvidenceToken; readonly record: RecordRef }[];
  readonly verifications: readonly Verification[];
  readonly registrations: readonly Registration[];
  readonly rotations: readonly RotationRow[];
  readonly reviews: readonly { readonly at: string; readonly review: AccessReview; readonly record: RecordRef }[];
  readonly records: readonly CoveredRecord[];
}

export interface Integrity {
  /** Chained records that checked out. */
  readonly verified: number;
  readonly broken?: ChainProblem;
  readonly head?: ChainLink;
  /** Records written before the hash chain, by file name: listed, not trusted. */
  readonly unchained: readonly string[];
  /** The command that checks the chain again. */
  readonly recheck: string;
}

export interface PeriodSummary {
  readonly clock: EvidenceClock;
  readonly clockLabel: string;
  readonly since: string;
  readonly until: string;
  readonly untilFrom: ClockPeriod["untilFrom"];
  readonly records: number;
}

export interface ControlEvidence {
  readonly control: ControlId;
  readonly title: string;
  readonly statements: readonly { readonly proves: string; readonly records: readonly RecordRef[] }[];
}

export interface Verification {
  readonly at: string;
  readonly name: string;
  readonly ok: boolean;
  readonly checks: number;
  readonly failed: readonly string[];
  readonly record: RecordRef;
}

export interface Registration {
  readonly at: string;
  readonly name: string;
  readonly status: string;
  readonly registrar: string;
  readonly detail: string;
  readonly record: RecordRef;
}

export interface RotationRow {
  readonly at: string;
  readonly subject: string;
  readonly event: string;
  readonly detail: string;
  readonly record: RecordRef;
}

export interface CoveredRecord {
  readonly ref: RecordRef;
  readonly file: string;
  readonly command: string;
  readonly finishedAt: string;
  readonly ok: boolean;
  readonly clock: string;
  readonly chain: { readonly sequence: number; readonly hash: string } | "unchained" | null;
}

export interface PeriodReportInput {
  readonly stack: string;
  readonly records: readonly LoadedRecord[];
  readonly chain: ChainReport;
  readonly period: PeriodOptions;
  /** The evidence folder as the user named it, for the command that re-checks the chain. */
  readonly folder: string;
}

export function buildPeriodReport(input: PeriodReportInput): PeriodReport {
  const { periods, notices } = selectPeriod(input.records, input.period);
  const covered = new Set(periods.flatMap((p) => p.records));
  const inPeriod = input.records.filter((r) => covered.has(r));
  const unchained = new Set(input.chain.unchained);
  const rows = <T>(each: (loaded: LoadedRecord, ref: RecordRef) => T[]): T[] => inPeriod.flatMap((loaded) => each(loaded, recordRef(loaded)));

  const tokens = new Map<string, { token: EvidenceToken; record: RecordRef }>();
  for (const loaded of inPeriod) for (const token of loaded.record.tokens) tokens.set(token.id, { token, record: tokens.get(token.id)?.record ?? recordRef(loaded) });

  return {
    stack: input.stack,
    integrity: {
      verified: input.chain.verified,
      ...(input.chain.problem ? { broken: { ...input.chain.problem, file: path.basename(input.chain.problem.file) } } : {}),
      ...(input.chain.head ? { head: input.chain.head } : {}),
      unchained: input.chain.unchained.map((f) => path.basename(f)),
      recheck: `npx cfct evidence verify --dir ${input.folder}`,
    },
    periods: periods.map((p) => ({
      clock: p.clock,
      clockLabel: clockLabel(p.clock),
      since: p.since.toISOString(),
      until: p.until.toISOString(),
      untilFrom: p.untilFrom,
      records: p.records.length,
    })),
    notices,
    timelines: periods.map(buildTimeline),
    controls: controlsOf(inPeriod),
    tokens: [...tokens.values()],
    verifications: rows(({ record }, ref) =>
      record.tokens.flatMap((t) =>
        t.verify
          ? [{ at: record.finishedAt, name: t.name, ok: t.verify.ok, checks: t.verify.checks.length, failed: t.verify.checks.filter((c) => c.status === "fail").map((c) => c.id), record: ref }]
          : [],
      ),
    ),
    registrations: rows(({ record }, ref) =>
      record.tokens.flatMap((t) =>
        t.registration ? [{ at: t.registration.at, name: t.name, status: t.registration.status, registrar: t.registration.registrar, detail: t.registration.detail, record: ref }] : [],
      ),
    ),
    rotations: rows(({ record }, ref) => [
      ...record.rotation
        .filter((e) => e.event !== "not-due")
        .map((e) => ({ at: e.at, subject: `${e.key}${e.generation ? ` g${e.generation}` : ""}`, event: e.event, detail: e.detail, record: ref })),
      ...record.tokens
        .filter((t) => t.change === "delete")
        .map((t) => ({ at: record.finishedAt, subject: t.name, event: `revoked (cfct ${record.command})`, detail: `token ${t.id} deleted`, record: ref })),
      ...(record.command === "destroy"
        ? [{ at: record.finishedAt, subject: "every token of the stack", event: "revoked (cfct destroy)", detail: record.ok ? "stack destroyed" : "destroy FAILED", record: ref }]
        : []),
    ]),
    reviews: rows(({ record }, ref) => (record.review ? [{ at: record.finishedAt, review: record.review, record: ref }] : [])),
    records: inPeriod.map((loaded) => ({
      ref: recordRef(loaded),
      file: path.basename(loaded.file),
      command: loaded.record.command,
      finishedAt: loaded.record.finishedAt,
      ok: loaded.record.ok,
      clock: clockLabel(clockOf(loaded.record)),
      chain: loaded.record.chain ? { sequence: loaded.record.chain.sequence, hash: loaded.record.chain.hash } : unchained.has(loaded.file) ? "unchained" : null,
    })),
  };
}

/** The report of one stack's evidence folder (`shown`: the folder as the user named it), with its chain checked first. */
export function reportOfFolder(stack: string, folder: string, shown: string, period: PeriodOptions): { report: PeriodReport; chain: ChainReport } {
  const chain = verifyChain(folder, renderEvidenceMarkdown);
  return { report: buildPeriodReport({ stack, records: loadRecords(recordFiles(folder)), chain, period, folder: shown }), chain };
}

/** Each control once, each statement once, with the records that make it. Older records carry none: their command's claims stand in. */
function controlsOf(records: readonly LoadedRecord[]): ControlEvidence[] {
  const byControl = new Map<ControlId, Map<string, RecordRef[]>>();
  for (const loaded of records) {
    for (const claim of loaded.record.controls ?? controlsEvidenced({ ...loaded.record, clock: clockOf(loaded.record) })) {
      const statements = byControl.get(claim.control) ?? new Map<string, RecordRef[]>();
      statements.set(claim.proves, [...(statements.get(claim.proves) ?? []), recordRef(loaded)]);
      byControl.set(claim.control, statements);
    }
  }
  return [...byControl]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([control, statements]) => ({ control, title: CONTROLS[control], statements: [...statements].map(([proves, refs]) => ({ proves, records: refs })) }));
}

export const ownerText = (owner: EvidenceToken["owner"]) => (owner.kind === "account" ? `account ${owner.accountId}` : "user");

export function resourcesText(token: EvidenceToken): string {
  const keys = token.resources.flatMap((policy) =>
    Object.entries(policy).flatMap(([key, value]) => (value !== null && typeof value === "object" ? Object.keys(value).map((inner) => `${key} > ${inner}`) : [key])),
  );
  return [...new Set(keys)].join(", ");
}

export const groupsText = (token: EvidenceToken) => token.groups.map(groupLabel).join("; ");

/** "records #3, #5" */
const refsText = (refs: readonly RecordRef[]) => `record${refs.length > 1 ? "s" : ""} ${refs.map((r) => r.label).join(", ")}`;

export const periodText = (p: PeriodSummary) => `Period ${p.since} to ${p.until} on ${p.clockLabel}: ${p.records} record(s)`;

export function renderPeriodMarkdown(report: PeriodReport): string {
  const { integrity } = report;
  const lines = [
    `# Evidence report — stack ${report.stack}`,
    "",
    ...report.periods.map((p) => `${periodText(p)} of \`cfct up\`, \`rotate\`, \`destroy\` and \`audit\`.`),
    ...(report.periods.length === 0 ? ["No records in this period."] : []),
    ...report.notices.flatMap((n) => ["", `> Left out: ${n}.`]),
    "",
    "## 1. Integrity of this evidence",
    "",
    integrity.broken
      ? `**The hash chain is BROKEN** at ${integrity.broken.file}: ${integrity.broken.detail}. Records from there on cannot be trusted.`
      : `The hash chain of ${integrity.verified} record(s) verifies${integrity.head ? `; newest record #${integrity.head.sequence}, SHA-256 \`${integrity.head.hash}\`` : ""}.`,
    ...(integrity.unchained.length > 0 ? ["", `${integrity.unchained.length} record(s) were written before the hash chain existed and cannot be verified: ${integrity.unchained.join(", ")}.`] : []),
    "",
    `Check it again: \`${integrity.recheck}\``,
    "",
    "## 2. Controls evidenced",
    "",
    ...report.controls.map((c) => `- **${c.control}** (${c.title}): ${c.statements.map((s) => `${s.proves} (${refsText(s.records)})`).join("; ")}`),
    "",
    "## 3. Tokens that existed",
    "",
    "| token | ID | owner | platform | generation | expires | IP filter | permission groups | resources |",
    "|---|---|---|---|---|---|---|---|---|",
    ...report.tokens.map(
      ({ token: t }) =>
        `| ${markdownCell(t.name)} | \`${t.id}\` | ${ownerText(t.owner)} | ${t.platform} | ${t.generation} | ${t.expiresOn ?? "never"} | ${t.ipFilter.allowed.join(", ") || "none"} | ${markdownCell(groupsText(t))} | ${resourcesText(t)} |`,
    ),
    ...(report.tokens.length === 0 ? ["| (none recorded in this period) | | | | | | | | |"] : []),
    "",
    "## 4. Verifications",
    "",
    "| time | token | result | checks |",
    "|---|---|---|---|",
    ...report.verifications.map((v) => `| ${v.at} | ${markdownCell(v.name)} | ${v.ok ? "passed" : "FAILED"} | ${v.checks} checks${v.failed.length ? `; failed: ${v.failed.join(", ")}` : ""} |`),
    "",
    "## 5. Registrations",
    "",
    "| time | token | status | registrar | detail |",
    "|---|---|---|---|---|",
    ...report.registrations.map((r) => `| ${r.at} | ${markdownCell(r.name)} | ${r.status} | ${r.registrar} | ${markdownCell(r.detail)} |`),
    "",
    "## 6. Rotations and revocations",
    "",
    "| time | token | event | detail |",
    "|---|---|---|---|",
    ...report.rotations.map((r) => `| ${r.at} | ${markdownCell(r.subject)} | ${r.event} | ${markdownCell(r.detail)} |`),
    "",
    "## 7. Access reviews held",
    "",
  ];
  if (report.reviews.length === 0) lines.push("None in this period.");
  else lines.push("| time | tokens | managed | orphaned | unmanaged | high | medium | low |", "|---|---|---|---|---|---|---|---|");
  for (const { at, review } of report.reviews) {
    const s = review.summary;
    lines.push(`| ${at} | ${s.tokens} | ${s.byClass.managed} | ${s.byClass.orphaned} | ${s.byClass.unmanaged} | ${s.findings.high} | ${s.findings.medium} | ${s.findings.low} |`);
  }

  lines.push("", "## 8. Records covered", "", "| record | command | finished | result | chain |", "|---|---|---|---|---|");
  for (const r of report.records) {
    const link = r.chain === null ? "—" : r.chain === "unchained" ? "unchained (older record)" : `#${r.chain.sequence} \`${r.chain.hash.slice(0, 16)}…\``;
    lines.push(`| ${r.file} | ${r.command} | ${r.finishedAt} | ${r.ok ? "ok" : "FAILED"} | ${link} |`);
  }

  lines.push("", "## 9. Timeline of token generations", "");
  for (const timeline of report.timelines) {
    lines.push(`On ${clockLabel(timeline.clock)}, from ${timeline.start} to ${timeline.end}:`, "", "| token key | generation | token ID | from | to | ended | registered |", "|---|---|---|---|---|---|---|");
    for (const bar of timeline.lanes.flatMap((lane) => lane.bars))
      lines.push(`| ${markdownCell(bar.key)} | ${bar.generation} | \`${bar.tokenId}\` | ${bar.start} | ${bar.end} | ${bar.ended} | ${bar.registeredAt ?? "never"} |`);
    lines.push("", ...gapLines(timeline).map((g) => `- ${g}`), "");
  }
  return `${lines.join("\n")}\n`;
}

/** The gaps (or that there are none), and the keys never registered, in words. */
export function gapLines(timeline: Timeline): string[] {
  return [
    ...(timeline.gaps.length === 0
      ? ["No gap: every token key had a live, registered generation at every moment from its first registration."]
      : timeline.gaps.map((g) => `GAP: ${g.key} had no live, registered generation from ${g.start} to ${g.end}`)),
    ...timeline.neverRegistered.map((key) => `NEVER REGISTERED: ${key} had a generation no record shows registered with its platform`),
  ];
}
