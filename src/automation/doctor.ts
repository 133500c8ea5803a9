/**
 * `cfct doctor`: everything a run will need, checked in the order the run needs it, changing
 * nothing. Each check is one entry in a list (the CLI composes the list per engine), so a new
 * check is one more entry; a check whose prerequisite failed is skipped, naming it.
 */
import { summaryAndFix } from "../domain/cfct-error";

export type DoctorStatus = "ok" | "warn" | "fail" | "skipped";

export interface DoctorFinding {
  /** A stable id, e.g. `pulumi-cli`, `provisioner`, `registration:drata`. */
  readonly check: string;
  readonly status: DoctorStatus;
  readonly detail: string;
  /** What to do about it; every warn and fail has one. */
  readonly fix?: string;
}

export type CheckResult = Omit<DoctorFinding, "check"> & { readonly check?: string };

export interface DoctorCheck {
  readonly check: string;
  /** Checks that must not have failed for this one to mean anything. */
  readonly needs?: readonly string[];
  /** One result, or several (one per connection); a thrown error is this check's failure. */
  run(): Promise<CheckResult | readonly CheckResult[]>;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly findings: readonly DoctorFinding[];
}

/** A thrown error as a failed finding: its summary the detail, its fix the fix (summaryAndFix, the one reading of an error's parts). */
export function failure(error: unknown): CheckResult {
  const { summary, fix } = summaryAndFix(error);
  return fix === undefined ? { status: "fail", detail: summary } : { status: "fail", detail: summary, fix };
}

/** Runs every check in order; a check whose `needs` failed (or was skipped) is skipped, not run. */
export async function runDoctor(checks: readonly DoctorCheck[]): Promise<DoctorReport> {
  const findings: DoctorFinding[] = [];
  const blocked = new Set<string>();
  for (const check of checks) {
    const missing = (check.needs ?? []).filter((need) => blocked.has(need));
    if (missing.length > 0) {
      findings.push({ check: check.check, status: "skipped", detail: `not checked: needs ${missing.join(", ")}` });
      blocked.add(check.check);
      continue;
    }
    let results: readonly CheckResult[];
    try {
      const result = await check.run();
      results = Array.isArray(result) ? (result as readonly CheckResult[]) : [result as CheckResult];
    } catch (error) {
      results = [failure(error)];
    }
    for (const { check: id, status, detail, fix } of results)
      findings.push({ check: id ?? check.check, status, detail, ...(fix ? { fix } : {}) });
    if (results.some((r) => r.status === "fail")) blocked.add(check.check);
  }
  return { ok: !findings.some((f) => f.status === "fail" || f.status === "skipped"), findings };
}

const MARK: Record<DoctorStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL", skipped: "skip" };

/** One line per finding, its fix indented under it, then the verdict. */
export function renderDoctor(report: DoctorReport, stack: string, command: string): string {
  const lines = report.findings.flatMap((f) => [`${MARK[f.status]} ${f.check}: ${f.detail}`, ...(f.fix ? [`     Fix: ${f.fix}`] : [])]);
  const failed = report.findings.filter((f) => f.status === "fail").length;
  lines.push(
    report.ok
      ? `ok: everything \`${command}\` needs for stack ${stack} is in place`
      : `cfct doctor: ${failed} problem(s) would stop \`${command}\` for stack ${stack}; fix them in the order above, then run cfct doctor again`,
  );
  return `${lines.join("\n")}\n`;
}
