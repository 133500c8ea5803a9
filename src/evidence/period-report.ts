import { readFileSync } from "node:fs";
import path from "node:path";
import { describeControls, controlsEvidenced, type ControlClaim } from "./controls";
import type { ChainReport } from "./chain";
import { evidenceRecordSchema, type EvidenceRecord, type EvidenceToken } from "./record";

export interface Period {
  readonly since: Date;
  readonly until: Date;
}

export interface LoadedRecord {
  readonly file: string;
  readonly record: EvidenceRecord;
}

/** The stack's records that parse, in the order they were written. The chain report says which to trust. */
export function loadRecords(files: readonly string[]): LoadedRecord[] {
  return files.flatMap((file) => {
    try {
      const parsed = evidenceRecordSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      return parsed.success ? [{ file, record: parsed.data }] : [];
    } catch {
      return [];
    }
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
const scopeLabel = (scope: string) => scope.replace("com.cloudflare.api.", "");
const ownerText = (owner: EvidenceToken["owner"]) => (owner.kind === "account" ? `account ${owner.accountId}` : "user");

function resourcesText(token: EvidenceToken): string {
  const keys = token.resources.flatMap((policy) =>
    Object.entries(policy).flatMap(([key, value]) => (value !== null && typeof value === "object" ? Object.keys(value).map((inner) => `${key} > ${inner}`) : [key])),
  );
  return [...new Set(keys)].join(", ");
}

/**
 * One Markdown report of an audit period, in the order an auditor reads it: integrity of the
 * evidence, the controls, the tokens that existed, then what happened to them (verifications,
 * registrations, rotations and revocations), then the access reviews held.
 */
export function renderPeriodReport(stack: string, period: Period, records: readonly LoadedRecord[], chain: ChainReport): string {
  const inPeriod = records.filter(({ record }) => {
    const at = Date.parse(record.finishedAt);
    return at >= period.since.getTime() && at <= period.until.getTime();
  });
  const unchained = new Set(chain.unchained);
  const lines = [
    `# Evidence report — stack ${stack}`,
    "",
    `Period ${period.since.toISOString()} to ${period.until.toISOString()}: ${inPeriod.length} record(s) of \`cfct up\`, \`rotate\`, \`destroy\` and \`audit\`.`,
    "",
    "## 1. Integrity of this evidence",
    "",
    chain.problem
      ? `**The hash chain is BROKEN** at ${path.basename(chain.problem.file)}: ${chain.problem.detail}. Records from there on cannot be trusted.`
      : `The hash chain of ${chain.verified} record(s) verifies${chain.head ? `; newest record #${chain.head.sequence}, SHA-256 \`${chain.head.hash}\`` : ""}.`,
    ...(chain.unchained.length > 0 ? ["", `${chain.unchained.length} record(s) were written before the hash chain existed and cannot be verified: ${chain.unchained.map((f) => path.basename(f)).join(", ")}.`] : []),
    "",
    "## 2. Controls evidenced",
    "",
    ...describeControls(uniqueClaims(inPeriod.map(({ record }) => record))),
    "",
    "## 3. Tokens that existed",
    "",
    "| token | ID | owner | platform | generation | expires | IP filter | permission groups | resources |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  const tokens = new Map<string, EvidenceToken>();
  for (const { record } of inPeriod) for (const token of record.tokens) tokens.set(token.id, token);
  for (const t of tokens.values()) {
    lines.push(
      `| ${cell(t.name)} | \`${t.id}\` | ${ownerText(t.owner)} | ${t.platform} | ${t.generation} | ${t.expiresOn ?? "never"} | ${t.ipFilter.allowed.join(", ") || "none"} | ${t.groups
        .map((g) => `${cell(g.name)} [${scopeLabel(g.scope)}]`)
        .join("; ")} | ${resourcesText(t)} |`,
    );
  }
  if (tokens.size === 0) lines.push("| (none recorded in this period) | | | | | | | | |");

  lines.push("", "## 4. Verifications", "", "| time | token | result | checks |", "|---|---|---|---|");
  for (const { record } of inPeriod) {
    for (const t of record.tokens) {
      if (!t.verify) continue;
      const failed = t.verify.checks.filter((c) => c.status === "fail").map((c) => c.id);
      lines.push(`| ${record.finishedAt} | ${cell(t.name)} | ${t.verify.ok ? "passed" : "FAILED"} | ${t.verify.checks.length} checks${failed.length ? `; failed: ${failed.join(", ")}` : ""} |`);
    }
  }

  lines.push("", "## 5. Registrations", "", "| time | token | status | registrar | detail |", "|---|---|---|---|---|");
  for (const { record } of inPeriod) {
    for (const t of record.tokens) {
      if (t.registration) lines.push(`| ${t.registration.at} | ${cell(t.name)} | ${t.registration.status} | ${t.registration.registrar} | ${cell(t.registration.detail)} |`);
    }
  }

  lines.push("", "## 6. Rotations and revocations", "", "| time | token | event | detail |", "|---|---|---|---|");
  for (const { record } of inPeriod) {
    for (const e of record.rotation) if (e.event !== "not-due") lines.push(`| ${e.at} | ${e.key}${e.generation ? ` g${e.generation}` : ""} | ${e.event} | ${cell(e.detail)} |`);
    for (const t of record.tokens) if (t.change === "delete") lines.push(`| ${record.finishedAt} | ${cell(t.name)} | revoked (cfct ${record.command}) | token \`${t.id}\` deleted |`);
    if (record.command === "destroy") lines.push(`| ${record.finishedAt} | every token of the stack | revoked (cfct destroy) | ${record.ok ? "stack destroyed" : "destroy FAILED"} |`);
  }

  lines.push("", "## 7. Access reviews held", "");
  const reviews = inPeriod.filter(({ record }) => record.review);
  if (reviews.length === 0) lines.push("None in this period.");
  else lines.push("| time | tokens | managed | orphaned | unmanaged | high | medium | low |", "|---|---|---|---|---|---|---|---|");
  for (const { record } of reviews) {
    const s = record.review!.summary;
    lines.push(`| ${record.finishedAt} | ${s.tokens} | ${s.byClass.managed} | ${s.byClass.orphaned} | ${s.byClass.unmanaged} | ${s.findings.high} | ${s.findings.medium} | ${s.findings.low} |`);
  }

  lines.push("", "## 8. Records covered", "", "| record | command | finished | result | chain |", "|---|---|---|---|---|");
  for (const { file, record } of inPeriod) {
    const link = record.chain ? `#${record.chain.sequence} \`${record.chain.hash.slice(0, 16)}…\`` : unchained.has(file) ? "unchained (older record)" : "—";
    lines.push(`| ${path.basename(file)} | ${record.command} | ${record.finishedAt} | ${record.ok ? "ok" : "FAILED"} | ${link} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** Each control once, with everything the period's records prove for it. Older records carry none: they are derived from the record's content. */
function uniqueClaims(records: readonly EvidenceRecord[]): ControlClaim[] {
  const byControl = new Map<ControlClaim["control"], Set<string>>();
  for (const record of records) {
    for (const claim of record.controls ?? controlsEvidenced(record)) {
      byControl.set(claim.control, (byControl.get(claim.control) ?? new Set()).add(claim.proves));
    }
  }
  return [...byControl].sort(([a], [b]) => (a < b ? -1 : 1)).map(([control, proves]) => ({ control, proves: [...proves].join("; ") }));
}
