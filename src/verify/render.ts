import type { Check, VerifyReport } from "./types";

const ORDER: Record<Check["status"], number> = { fail: 0, warn: 1, skip: 2, pass: 3 };

/** Exactly the documented `--json` shape: {"ok","platform","apiCalls","checks":[{"id","status","detail","remedy"?}]}. */
export function reportJson(report: VerifyReport): { ok: boolean; platform: string; apiCalls: number; checks: Check[] } {
  return {
    ok: report.ok,
    platform: report.platform,
    apiCalls: report.apiCalls,
    checks: report.checks.map((c) => ({
      id: c.id,
      status: c.status,
      detail: c.detail,
      ...(c.remedy !== undefined ? { remedy: c.remedy } : {}),
    })),
  };
}

function count(checks: readonly Check[], status: Check["status"]): number {
  return checks.filter((c) => c.status === status).length;
}

/** A short table: fails first, then warnings, skips, passes; every non-pass line with its fix. */
export function renderReport(report: VerifyReport, title?: string): string {
  const checks = [...report.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const fails = count(checks, "fail");
  const warns = count(checks, "warn");
  const verdict =
    fails > 0 ? `FAIL (${fails} failed${warns ? `, ${warns} warning(s)` : ""})` : warns > 0 ? `OK with ${warns} warning(s)` : "OK";
  const head = `${title ?? report.tokenKey ?? report.platform}${report.tokenId ? ` [token ${report.tokenId}]` : ""}: ${verdict}, ${report.apiCalls} API call(s)`;
  const width = Math.min(32, Math.max(...checks.map((c) => c.id.length), 5));
  const lines = [head, `  ${"STATUS".padEnd(6)}  ${"CHECK".padEnd(width)}  DETAIL`];
  for (const c of checks) {
    const status = (c.status === "pass" ? "pass" : c.status.toUpperCase()).padEnd(6);
    // An id longer than the column gets a line of its own, so details stay aligned.
    if (c.id.length > width) lines.push(`  ${status}  ${c.id}`, `  ${"".padEnd(6)}  ${"".padEnd(width)}  ${c.detail}`);
    else lines.push(`  ${status}  ${c.id.padEnd(width)}  ${c.detail}`);
    if (c.remedy && c.status !== "pass") lines.push(`  ${"".padEnd(6)}  ${"".padEnd(width)}  fix: ${c.remedy}`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderReports(reports: readonly { readonly title: string; readonly report: VerifyReport }[]): string {
  const body = reports.map((r) => renderReport(r.report, r.title)).join("\n");
  if (reports.length <= 1) return body;
  const failed = reports.filter((r) => !r.report.ok).length;
  const calls = reports.reduce((n, r) => n + r.report.apiCalls, 0);
  return `${body}\n${reports.length} token(s): ${failed === 0 ? "all OK" : `${failed} failed`}, ${calls} API call(s) in total\n`;
}
