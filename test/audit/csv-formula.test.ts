import { describe, expect, it } from "vitest";
import { renderReviewCsv } from "../../src/audit/render";
import type { AccessReview } from "../../src/evidence/access-review";

describe("CSV exports never start a field with a formula trigger (issue 24 item 8)", () => {
  it("a token named with a leading tab or carriage return is prefixed, as =, +, - and @ are", () => {
    const names = ["\t=HYPERLINK(1)", "\r=cmd", "=1+1", "@SUM(1)", "plain"];
    const review: AccessReview = {
      stack: "dev",
      generatedAt: "2026-12-07T00:00:00Z",
      tokens: names.map((name, i) => ({
        id: `id${i}`,
        name,
        owner: { kind: "user" },
        class: "unmanaged",
        status: "active",
        lastUsedOn: null,
        expiresOn: null,
        groups: [],
        findings: [],
      })),
      notReviewed: [],
      summary: { tokens: names.length, byClass: {}, findings: {}, highest: null },
    } as unknown as AccessReview;
    const nameFields = renderReviewCsv(review)
      .split('"\r\n"')
      .slice(1)
      .map((row) => row.split('","')[1]);
    expect(nameFields).toEqual(["'\t=HYPERLINK(1)", "'\r=cmd", "'=1+1", "'@SUM(1)", "plain"]);
  });
});
