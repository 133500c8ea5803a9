import { describe, expect, it } from "vitest";
import { markdownCell } from "../../src/evidence/markdown";

describe("markdownCell: one definition for every Markdown table cell (evidence record, period report, access review)", () => {
  it.each([
    { text: "plain text", cell: "plain text" },
    { text: "a | b", cell: "a \\| b" },
    { text: "line one\nline two", cell: "line one line two" },
    { text: "Windows\r\nline, then a blank one\n\nend", cell: "Windows line, then a blank one end" },
  ])("$text", ({ text, cell }) => {
    expect(markdownCell(text)).toBe(cell);
  });

  it("keeps a table row one line with its column count", () => {
    const row = `| check | fail | ${markdownCell("cannot reach | the API\r\nretry")} |`;
    expect(row.split("\n")).toHaveLength(1);
    expect(row.split(/(?<!\\)\|/)).toHaveLength(5);
  });
});
