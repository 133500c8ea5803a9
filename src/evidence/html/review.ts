import type { AccessReview } from "../access-review";
import { html, table, type Markup } from "./page";

/** The access review's tokens with a blank decision, reviewer and date per row: printed and signed by hand. */
export function signOffTable(review: AccessReview): Markup {
  return table(
    ["token", "ID", "class", "findings", "decision (keep/revoke)", "reviewer", "date"],
    review.tokens.map(
      (t) =>
        html`<tr><td>${t.name}</td><td class="id">${t.id}</td><td>${t.class}</td><td>${t.findings.map((f) => `${f.severity}: ${f.id}`).join(", ") || "none"}</td><td class="blank"></td><td class="blank"></td><td class="blank"></td></tr>`,
    ),
    "sign",
  );
}
