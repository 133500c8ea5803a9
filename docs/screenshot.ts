/**
 * Regenerates docs/timeline.png, the README's picture of the demo's evidence report: runs `cfct demo`
 * into a scratch directory, opens its report.html in Debian's headless Chromium (offline, no
 * JavaScript) and photographs the timeline. Run with `npm run docs:screenshot`; never edit the
 * picture by hand.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openFile } from "../test/helpers/browser";

const PICTURE = path.join(__dirname, "timeline.png");

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), "cfct-docs-"));
  try {
    const evidenceDir = path.join(scratch, "evidence");
    const demo = spawnSync(
      process.execPath,
      ["bin/cfct.js", "demo", "--evidence-dir", evidenceDir, "--work-dir", path.join(scratch, "work")],
      {
        cwd: path.join(__dirname, ".."),
        encoding: "utf8",
        env: { ...process.env, HOME: path.join(scratch, "home") },
      },
    );
    if (demo.status !== 0) throw new Error(`cfct demo failed (exit ${demo.status}): ${demo.stderr}`);
    const report = await openFile(path.join(evidenceDir, "dev", "report.html"), { width: 1100, height: 800 });
    try {
      if (report.requests.length > 0 || report.errors.length > 0)
        throw new Error(`the report made requests or logged errors: ${[...report.requests, ...report.errors].join("; ")}`);
      // The legend, the chart and the gap list under it: the picture explains itself.
      const top = await report.page.locator("#timeline .legend").boundingBox();
      const bottom = await report.page.locator("#timeline .gaps").first().boundingBox();
      if (!top || !bottom) throw new Error("the report has no timeline legend or gap list");
      const y = top.y - 8;
      await report.page.screenshot({
        path: PICTURE,
        fullPage: true,
        clip: { x: 0, y, width: 1100, height: bottom.y + bottom.height + 8 - y },
      });
    } finally {
      await report.close();
    }
    process.stdout.write(`wrote ${path.relative(process.cwd(), PICTURE)}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`docs:screenshot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
