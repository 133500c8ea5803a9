import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderPeriodHtml } from "../../src/evidence/html/period-report";
import { renderPeriodMarkdown, reportOfFolder, type PeriodReport } from "../../src/evidence/period-report";
import { HOSTILE_DETAIL, HOSTILE_NAME, at, gapHistory } from "../helpers/histories";

const report = (): { report: PeriodReport } => {
  const { folder } = gapHistory();
  return { report: reportOfFolder("prod", folder, "evidence/prod", { until: new Date(at(5)), now: new Date(at(5)) }).report };
};

describe("the period report's formats state the same facts", () => {
  it("HTML: one self-contained file: a policy that forbids every request, no script, no address outside the document", () => {
    const page = renderPeriodHtml(report().report);
    expect(page).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;;/);
    expect(page).not.toMatch(/<script|<link|<img|@import|url\(/i);
    // Every link stays in the document; the SVG namespace is a name, not a request.
    const addresses = [...page.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
    expect(addresses.length).toBeGreaterThan(10);
    expect(addresses.filter((a) => !a!.startsWith("#"))).toEqual([]);
    expect([...page.matchAll(/ ([a-z-]+)="[^"]*:\/\/[^"]*"/g)].map((m) => m[0])).toEqual([' xmlns="http://www.w3.org/2000/svg"']);
  });

  it("HTML: the integrity box says where the chain broke, and still shows the rest", () => {
    const { folder } = gapHistory();
    const [first] = readdirSync(folder).filter((f) => f.endsWith(".json")).sort();
    const file = path.join(folder, first!);
    writeFileSync(file, readFileSync(file, "utf8").replace('"apiCalls": 3', '"apiCalls": 30'));
    const page = renderPeriodHtml(reportOfFolder("prod", folder, "evidence/prod", { until: new Date(at(5)), now: new Date(at(5)) }).report);
    expect(page).toContain(`<div class="box bad" role="status">`);
    expect(page).toMatch(new RegExp(`The hash chain is BROKEN</strong> at <code>${first!.replace(/[.]/g, "\\.")}</code> \\(edited\\)`));
    expect(page).toContain("<code>npx cfct evidence verify --dir evidence/prod</code>");
    expect(page).toContain('data-bar="" data-key="drata"');
  });

  it("HTML: names and details from records are escaped, never markup", () => {
    const page = renderPeriodHtml(report().report);
    expect(page).not.toContain("<script>");
    expect(page).not.toContain('<img src="https://tracker.invalid');
    expect(page).toContain("cfct prod drata g1 &lt;/title&gt;&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;");
    expect(page).toContain("sheet written &lt;img src=&quot;https://tracker.invalid/pixel.png&quot;&gt; &amp; &quot;quoted&quot;");
    expect(HOSTILE_NAME).toContain("<script>");
    expect(HOSTILE_DETAIL).toContain("<img");
  });

  it("HTML: every bar and gap carries its facts as data- attributes; every control statement links to a record row of the same file", () => {
    const { report: model } = report();
    const page = renderPeriodHtml(model);
    const bars = [...page.matchAll(/data-bar="" data-key="([^"]+)" data-generation="(\d+)" data-token-id="[^"]+" data-start="([^"]+)" data-end="([^"]+)"/g)].map((m) => m.slice(1));
    expect(bars).toEqual(model.timelines[0]!.lanes.flatMap((l) => l.bars.map((b) => [b.key, String(b.generation), b.start, b.end])));
    expect([...page.matchAll(/data-gap="" data-key="([^"]+)" data-start="([^"]+)" data-end="([^"]+)"/g)].map((m) => m.slice(1))).toEqual([["drata", at(2), at(3)]]);
    const anchors = new Set([...page.matchAll(/<tr id="(record-[^"]+)"/g)].map((m) => m[1]));
    const controlLinks = [...page.slice(page.indexOf('id="controls"'), page.indexOf('id="tokens"')).matchAll(/href="#(record-[^"]+)"/g)].map((m) => m[1]);
    expect(controlLinks.length).toBeGreaterThan(0);
    for (const link of controlLinks) expect(anchors).toContain(link);
  });

  it("Markdown lists the timeline and its gap, and each control statement names its records", () => {
    const text = renderPeriodMarkdown(report().report);
    expect(text).toContain(`- GAP: drata had no live, registered generation from ${at(2)} to ${at(3)}`);
    expect(text).toContain(`| drata | 1 | \`d1000000000000000000000000000000\` | ${at(0)} | ${at(2)} | expired | ${at(0)} |`);
    // Each statement once, with the records that make it: issuance from #1, each revocation from the rotate that made it.
    const cc62 = text.split("\n").find((line) => line.startsWith("- **SOC 2 CC6.2**"))!;
    const statements = cc62.slice(cc62.indexOf("): ") + 3).split(/(?<=\(records? #[\d, #]+\)); /);
    expect(statements.every((s) => /\(records? #[\d, #]+\)$/.test(s))).toBe(true);
    expect(new Set(statements).size).toBe(statements.length);
    expect(statements).toContain(`drata g1 revoked at ${at(3)} after its successor took over (record #2)`);
    expect(statements).toContain(`ascera g1 revoked at ${at(4)} after its successor took over (record #3)`);
    expect(text).toContain("Check it again: `npx cfct evidence verify --dir evidence/prod`");
  });

  it("JSON is the same report object: the period on its clock, the timeline and its gap, each control statement with its records", () => {
    const json = JSON.parse(JSON.stringify(report().report)) as PeriodReport;
    expect(json.periods).toEqual([
      { clock: { source: "real" }, clockLabel: "real time (UTC)", since: at(0), until: at(5), untilFrom: "--until", records: 3 },
    ]);
    expect(json.timelines[0]!.gaps).toEqual([{ key: "drata", start: at(2), end: at(3) }]);
    expect(json.controls.flatMap((c) => c.statements).every((s) => s.records.length > 0)).toBe(true);
    expect(json.integrity).toMatchObject({ verified: 3, recheck: "npx cfct evidence verify --dir evidence/prod" });
  });
});
