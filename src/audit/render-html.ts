import { reviewSummaryText, type AccessReview } from "../evidence/access-review";
import { CONTROLS, reviewClaims } from "../evidence/controls";
import { html, renderPage, table } from "../evidence/html/page";
import { signOffTable } from "../evidence/html/review";
import { ownerText } from "./render";

/** The access review as a self-contained HTML document in the evidence report's style; its sign-off table prints with blank cells to sign. */
export function renderReviewHtml(review: AccessReview): string {
  const flagged = review.tokens.filter((t) => t.findings.length > 0);
  const tokens = table(
    ["token", "ID", "owner", "class", "status", "last used", "expires", "findings"],
    review.tokens.map(
      (t) =>
        html`<tr>
          <td>${t.name}</td>
          <td class="id">${t.id}</td>
          <td>${ownerText(t)}</td>
          <td>${t.class}</td>
          <td>${t.status}</td>
          <td class="time">${t.lastUsedOn ?? "never"}</td>
          <td class="time">${t.expiresOn ?? "never"}</td>
          <td>${t.findings.map((f) => `${f.severity}: ${f.id}`).join(", ") || "none"}</td>
        </tr>`,
    ),
  );
  const findings =
    flagged.length === 0
      ? html`<p>None.</p>`
      : flagged.map(
          (t) =>
            html`<h3>${t.name} (<span class="id">${t.id}</span>, ${t.class})</h3>
              <p>Groups: ${t.groups.join("; ") || "none"}</p>
              <ul>
                ${t.findings.map((f) => html`<li><strong class="${f.severity === "high" ? "fail" : ""}">${f.severity}</strong> ${f.id}: ${f.detail}</li>`)}
              </ul>`,
        );
  const notReviewed =
    review.notReviewed.length === 0
      ? html`<p>Every owner's tokens were listed.</p>`
      : html`<ul>
          ${review.notReviewed.map((g) => html`<li><strong>${g.owner.kind === "account" ? `account ${g.owner.accountId}` : "user"} tokens</strong>: ${g.detail}</li>`)}
        </ul>`;
  const controls = html`<ul>
    ${reviewClaims(review).map((c) => html`<li><strong>${c.control}</strong> (${CONTROLS[c.control]}): ${c.proves}</li>`)}
  </ul>`;
  const signOff = html`<p>Decide each token: keep, or revoke. Sign and date every row; keep this document with the audit evidence.</p>
    ${signOffTable(review)}`;

  return renderPage({
    title: `Access review — stack ${review.stack}`,
    lead: html`<p>Generated ${review.generatedAt} by <code>cfct audit</code>. ${reviewSummaryText(review)}</p>`,
    sections: [
      { id: "tokens", title: "Tokens the provisioner can see", body: tokens },
      { id: "findings", title: "Findings", body: html`${findings}`, sameSheet: true },
      { id: "not-reviewed", title: "Not reviewed", body: notReviewed, sameSheet: true },
      { id: "controls", title: "Controls evidenced", body: controls, sameSheet: true },
      { id: "sign-off", title: "Reviewer sign-off", body: signOff },
    ],
  });
}
