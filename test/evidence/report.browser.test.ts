/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReviewHtml } from "../../src/audit/render-html";
import type { AccessReview } from "../../src/evidence/access-review";
import { evidenceRecordSchema, type EvidenceRecord } from "../../src/evidence/record";
import { browserSkip, browserSkipReason, openFile, pdfPageCount, type OpenedPage } from "../helpers/browser";
import { HOSTILE_DETAIL, HOSTILE_NAME, at, gapHistory } from "../helpers/histories";

/** A bar of the timeline as the browser has it. */
interface DrawnBar {
  key: string;
  generation: number;
  tokenId: string;
  start: string;
  end: string;
  ended: string;
  registeredAt: string;
}

async function drawnBars(opened: OpenedPage): Promise<DrawnBar[]> {
  const data = await opened.page.$$eval("rect[data-bar]", (rects) => rects.map((r) => ({ ...(r as SVGElement).dataset })));
  return data.map((d) => ({
    key: d.key!,
    generation: Number(d.generation),
    tokenId: d.tokenId!,
    start: d.start!,
    end: d.end!,
    ended: d.ended!,
    registeredAt: d.registeredAt!,
  }));
}

const drawnGaps = (opened: OpenedPage) =>
  opened.page.$$eval("rect[data-gap]", (rects) =>
    rects.map((r) => ({
      key: r.getAttribute("data-key"),
      start: r.getAttribute("data-start"),
      end: r.getAttribute("data-end"),
      fill: r.getAttribute("fill"),
    })),
  );

const records = (folder: string): EvidenceRecord[] =>
  readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => evidenceRecordSchema.parse(JSON.parse(readFileSync(path.join(folder, f), "utf8"))));

const ms = (time: string) => Date.parse(time);

/** Printable widths in CSS pixels: the page less the report's 12 mm side margins (A4 210 mm, Letter 8.5 in). */
const PRINTABLE = { A4: Math.floor(((210 - 24) / 25.4) * 96), Letter: Math.floor(((215.9 - 24) / 25.4) * 96) } as const;

/** What every report must do in a browser: no request, no error, fit a phone, print on A4 and Letter with at least `pages` pages (sections that start one). */
async function expectReadableAndPrintable(opened: OpenedPage, pages: number, out: string): Promise<void> {
  const { page } = opened;
  expect(await page.$$eval("script", (s) => s.length)).toBe(0);
  const screenshot = await page.screenshot({ fullPage: true, path: `${out}.png` });
  expect(screenshot.subarray(1, 4).toString()).toBe("PNG");
  for (const format of ["A4", "Letter"] as const) {
    const pdf = await page.pdf({ format, path: `${out}-${format}.pdf` });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdfPageCount(pdf), format).toBeGreaterThanOrEqual(pages);
  }
  await page.emulateMedia({ media: "print" });
  for (const format of ["A4", "Letter"] as const) {
    await page.setViewportSize({ width: PRINTABLE[format], height: 1000 });
    const widest = await page.evaluate(() =>
      Math.max(
        document.documentElement.scrollWidth,
        ...[...document.querySelectorAll("table, svg")].map((e) => e.getBoundingClientRect().right),
      ),
    );
    expect(widest, `on ${format} paper nothing is wider than the page`).toBeLessThanOrEqual(PRINTABLE[format] + 1);
  }
  await page.emulateMedia({ media: null });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), "a phone scrolls tables, never the page").toBeLessThanOrEqual(
    390,
  );
  expect(opened.requests).toEqual([]);
  expect(opened.errors).toEqual([]);
}

describe(`the HTML evidence report in a real browser${browserSkipReason}`, { timeout: 180_000 }, () => {
  const out = mkdtempSync(path.join(tmpdir(), "cfct-browser-"));
  const opened: OpenedPage[] = [];
  const open = async (file: string) => {
    const page = await openFile(file);
    opened.push(page);
    return page;
  };
  afterAll(async () => {
    for (const page of opened) await page.close();
  });

  describe("the demo's report", () => {
    const evidenceDir = path.join(out, "demo", "evidence");
    let demo: ReturnType<typeof spawnSync>;
    beforeAll(() => {
      if (browserSkip) return;
      demo = spawnSync(
        process.execPath,
        ["bin/cfct.js", "demo", "--evidence-dir", evidenceDir, "--work-dir", path.join(out, "demo", "work")],
        {
          encoding: "utf8",
          env: { ...process.env, HOME: path.join(out, "demo", "home") },
          timeout: 150_000,
        },
      );
    }, 180_000);

    it.skipIf(browserSkip)(
      "opens offline and shows every rotation as overlapping generations and no gap, bar for bar as the records say",
      async () => {
        expect(demo.status, String(demo.stderr)).toBe(0);
        const file = path.join(evidenceDir, "dev", "report.html");
        expect(String(demo.stdout)).toContain(`Report: ${file}`);
        const report = await open(file);
        const bars = await drawnBars(report);
        const history = records(path.join(evidenceDir, "dev"));

        // One bar per token generation the records name, with the records' times.
        const generations = new Map(history.flatMap((r) => r.tokens.map((t) => [t.id, t] as const)));
        expect(bars.map((b) => b.tokenId).sort()).toEqual([...generations.keys()].sort());
        for (const bar of bars) {
          const token = generations.get(bar.tokenId)!;
          expect([bar.key, bar.generation]).toEqual([token.key, token.generation]);
          const registered = history.flatMap((r) => r.tokens).find((t) => t.id === bar.tokenId && t.registration)!.registration!;
          expect(ms(bar.registeredAt)).toBe(ms(registered.at));
          expect(ms(bar.start)).toBeLessThanOrEqual(ms(registered.at));
          const created = history
            .flatMap((r) => r.rotation)
            .find((e) => e.event === "successor-created" && e.key === bar.key && e.generation === bar.generation);
          if (created) expect(ms(bar.start)).toBe(ms(created.at));
        }
        const revocations = history.flatMap((r) => r.rotation).filter((e) => e.event === "old-revoked");
        // Every connection that has a second generation had its first revoked, once.
        const connections = new Set([...generations.values()].filter((t) => t.generation > 1).map((t) => t.key));
        expect(connections.size).toBeGreaterThanOrEqual(2);
        expect(revocations.map((e) => e.key).sort()).toEqual([...connections].sort());
        for (const revoked of revocations) {
          const old = bars.find((b) => b.key === revoked.key && b.generation === revoked.generation)!;
          const successor = bars.find((b) => b.key === revoked.key && b.generation === revoked.generation! + 1)!;
          expect([old.ended, ms(old.end)]).toEqual(["revoked", ms(revoked.at)]);
          // The rotation's overlap: the successor was live and registered before the old one went.
          expect(ms(successor.registeredAt)).toBeLessThan(ms(old.end));
          expect(successor.ended).toBe("live");
        }
        expect(await drawnGaps(report)).toEqual([]);
        expect(await report.page.textContent(".gaps")).toContain("No gap");
        const pickups = history.flatMap((r) => r.rotation).filter((e) => e.event === "picked-up");
        expect(pickups.length).toBeGreaterThan(0);
        expect(await report.page.$$eval("[data-marker='picked-up']", (m) => m.length)).toBe(pickups.length);
        expect(await report.page.$$eval("[data-marker='revoked']", (m) => m.length)).toBe(connections.size);
        await report.page.locator("#timeline-1").screenshot({ path: path.join(out, "demo-timeline.png") });
        await expectReadableAndPrintable(report, 9, path.join(out, "demo-report"));
      },
    );
  });

  it.skipIf(browserSkip)("a history with a gap shows one red gap where the records put it, and the records' markup as text", async () => {
    const { dir, gap } = gapHistory();
    const file = path.join(out, "gap-report.html");
    // The history ends on day 4; its tokens expire 90 days after issue, so a period to now would show that too.
    const cli = spawnSync(
      process.execPath,
      ["bin/cfct.js", "evidence", "report", "--stack", "prod", "--evidence-dir", dir, "--until", at(5), "--format", "html", "--out", file],
      {
        encoding: "utf8",
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const report = await open(file);
    expect(await drawnGaps(report)).toEqual([{ ...gap, fill: "#cf222e" }]);
    const listed = await report.page.textContent(".gaps");
    expect(listed).toContain(`GAP: drata had no live, registered generation from ${gap.start} to ${gap.end}`);
    const drata1 = (await drawnBars(report)).find((b) => b.key === "drata" && b.generation === 1)!;
    expect([drata1.ended, drata1.end]).toEqual(["expired", gap.start]);
    // Markup from records is text: no element came of it, and no request.
    expect(await report.page.$$eval("img", (i) => i.length)).toBe(0);
    expect(await report.page.textContent("body")).toContain(HOSTILE_DETAIL);
    expect(await report.page.title()).toBe("Evidence report — stack prod");
    expect(await report.page.textContent("#tokens")).toContain(HOSTILE_NAME);
    // A statement's record link lands on that record's row.
    const target = await report.page.$eval("#controls a[href^='#record-']", (a) => a.getAttribute("href")!);
    expect(await report.page.$$eval(`tr${target}`, (rows) => rows.length)).toBe(1);
    await expectReadableAndPrintable(report, 9, path.join(out, "gap-report"));
  });

  it.skipIf(browserSkip)("the access review prints with a blank decision, reviewer and date cell per token", async () => {
    const review: AccessReview = {
      stack: "prod",
      generatedAt: "2026-03-02T10:00:00.000Z",
      tokens: [
        {
          id: "a".repeat(32),
          name: "cfct prod drata g1",
          owner: { kind: "user" },
          class: "managed",
          status: "active",
          lastUsedOn: null,
          expiresOn: "2026-06-01T00:00:00Z",
          groups: ["Zone Read [account.zone]"],
          findings: [],
        },
        {
          id: "b".repeat(32),
          name: 'hand-made <b onmouseover="x">admin</b>',
          owner: { kind: "account", accountId: "417daa9dc1293f3af874e997f8bdce54" },
          class: "unmanaged",
          status: "active",
          lastUsedOn: null,
          expiresOn: null,
          groups: ["DNS Write [account.zone]"],
          findings: [{ id: "write-access", severity: "high", detail: "DNS Write" }],
        },
      ],
      notReviewed: [],
      summary: {
        tokens: 2,
        byClass: { managed: 1, orphaned: 0, unmanaged: 1, provisioner: 0 },
        findings: { high: 1, medium: 0, low: 0 },
        highest: "high",
      },
    };
    const file = path.join(out, "access-review.html");
    writeFileSync(file, renderReviewHtml(review));
    const page = await open(file);
    const cells = await page.page.$$eval("#sign-off td.blank", (tds) => tds.map((td) => td.textContent));
    expect(cells).toEqual(Array(6).fill(""));
    expect(await page.page.$$eval("b", (b) => b.length)).toBe(0);
    // The review flows on; the sign-off starts its own page.
    await expectReadableAndPrintable(page, 2, path.join(out, "access-review"));
  });
});
