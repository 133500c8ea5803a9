import { describeControls, reviewClaims } from "../evidence/controls";
import { markdownCell } from "../evidence/markdown";
import { reviewSummaryText, type AccessReview, type ReviewedToken } from "../evidence/access-review";

export const ownerText = (token: ReviewedToken) => (token.owner.kind === "account" ? `account ${token.owner.accountId}` : "user");

/** The review for a human reviewer, ending in the sign-off table an auditor asks for. */
export function renderReviewMarkdown(review: AccessReview): string {
  const lines = [
    `# Access review — stack ${review.stack}`,
    "",
    `Generated ${review.generatedAt} by \`cfct audit\`. ${reviewSummaryText(review)}`,
    "",
    "| token | ID | owner | class | status | last used | expires | findings |",
    "|---|---|---|---|---|---|---|---|",
    ...review.tokens.map(
      (t) =>
        `| ${markdownCell(t.name)} | \`${t.id}\` | ${ownerText(t)} | ${t.class} | ${t.status} | ${t.lastUsedOn ?? "never"} | ${t.expiresOn ?? "never"} | ${
          t.findings.map((f) => `${f.severity}: ${f.id}`).join(", ") || "none"
        } |`,
    ),
    "",
    "## Findings",
    "",
  ];
  const flagged = review.tokens.filter((t) => t.findings.length > 0);
  if (flagged.length === 0) lines.push("None.", "");
  for (const token of flagged) {
    lines.push(`### ${markdownCell(token.name)} (\`${token.id}\`, ${token.class})`, "", `Groups: ${token.groups.join("; ") || "none"}`, "");
    for (const finding of token.findings) lines.push(`- **${finding.severity}** ${finding.id}: ${finding.detail}`);
    lines.push("");
  }
  if (review.notReviewed.length > 0) {
    lines.push(
      "## Not reviewed",
      "",
      ...review.notReviewed.map((g) => `- **${g.owner.kind === "account" ? `account ${g.owner.accountId}` : "user"} tokens**: ${g.detail}`),
      "",
    );
  }
  lines.push(
    "## Controls evidenced",
    "",
    ...describeControls(reviewClaims(review)),
    "",
    "## Reviewer sign-off",
    "",
    "Decide each token: keep, or revoke. Sign and date every row; keep this file with the audit evidence.",
    "",
    "| token | ID | decision (keep/revoke) | reviewer | date |",
    "|---|---|---|---|---|",
    ...review.tokens.map((t) => `| ${markdownCell(t.name)} | \`${t.id}\` | | | |`),
    "",
  );
  return `${lines.join("\n")}\n`;
}

const CSV_COLUMNS = [
  "id",
  "name",
  "owner",
  "class",
  "status",
  "lastUsedOn",
  "expiresOn",
  "groups",
  "findings",
  "decision",
  "reviewer",
  "date",
] as const;

/** RFC 4180: quote every field, double the quotes inside. A leading =, +, -, @, tab or carriage return is prefixed so a spreadsheet never runs a name as a formula (OWASP CSV injection). */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function renderReviewCsv(review: AccessReview): string {
  const rows = review.tokens.map((t) =>
    [
      t.id,
      t.name,
      ownerText(t),
      t.class,
      t.status,
      t.lastUsedOn ?? "",
      t.expiresOn ?? "",
      t.groups.join("; "),
      t.findings.map((f) => `${f.severity}:${f.id}`).join("; "),
      "",
      "",
      "",
    ].map(csvField),
  );
  return [CSV_COLUMNS.map(csvField), ...rows].map((r) => r.join(",")).join("\r\n") + "\r\n";
}
