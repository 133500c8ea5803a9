import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { AnchorFormatError, anchorFromHash, anchorProblem, headText, parseAnchorLines, type Anchor } from "../../evidence/anchor";
import { chainLinks, recordFiles, verifyChain } from "../../evidence/chain";
import { renderPeriodHtml } from "../../evidence/html/period-report";
import { renderPeriodMarkdown, reportOfFolder } from "../../evidence/period-report";
import { renderEvidenceMarkdown } from "../../evidence/write";
import { EXIT, UsageError } from "../errors";
import { returnsExitCode } from "../exit-code";
import { printJson } from "../json-output";

export function registerEvidence(program: Command): void {
  const evidence = program.command("evidence").description("Check and report the evidence cfct up/rotate/destroy/audit wrote");

  evidence
    .command("verify")
    .description(
      "Check every record of one stack's evidence and their hash chain; name the first edited, removed or reordered record (exit 2)",
    )
    .requiredOption("--dir <dir>", "one stack's evidence folder, e.g. evidence/prod")
    .option(
      "--anchor <hash|file>",
      "fail (exit 2) unless the chain holds this head at its sequence: a SHA-256 a run printed, or a file of heads (#14 sha256 <hash>, one per line)",
    )
    .option("--json", "print exactly one JSON object {ok, folder, verified, unchained, head, problem, anchors, unanchored}")
    .action(
      returnsExitCode((options: { dir: string; anchor?: string; json?: boolean }) => {
        const anchors = options.anchor === undefined ? [] : readAnchors(options.anchor);
        const folder = stackFolder(options.dir, "--dir");
        const report = readable(folder, () => verifyChain(folder, renderEvidenceMarkdown));
        // Anchors are judged only on a chain that holds together: a broken chain already fails.
        const unanchored = report.problem ? [] : anchors.flatMap((anchor) => anchorProblem(chainLinks(folder), anchor) ?? []);
        const ok = !report.problem && unanchored.length === 0;
        const exit = ok ? EXIT.ok : EXIT.failed;
        if (options.json) {
          printJson({
            ok,
            folder: report.folder,
            verified: report.verified,
            unchained: report.unchained,
            head: report.head ?? null,
            problem: report.problem ?? null,
            anchors: anchors.length,
            unanchored,
          });
          return exit;
        }
        for (const file of report.unchained)
          process.stdout.write(`unchained: ${path.basename(file)} was written before the hash chain; it cannot be verified\n`);
        if (report.problem) {
          process.stdout.write(`BROKEN: ${report.problem.kind} ${report.problem.file}\n  ${report.problem.detail}\n`);
          process.stdout.write(`${report.verified} record(s) verified before it.\n`);
          return exit;
        }
        if (unanchored.length > 0) {
          process.stdout.write(`BROKEN: the chain does not hold ${unanchored.length} of ${anchors.length} anchored head(s)\n`);
          for (const problem of unanchored) process.stdout.write(`  ${problem}\n`);
          return exit;
        }
        process.stdout.write(
          report.head
            ? `ok: ${report.verified} record(s) chained; newest ${headText(report.head)}\n` +
                (anchors.length > 0
                  ? `  holds every anchored head (${anchors.length}), so no record up to the newest anchor was rewritten or removed.\n`
                  : "  Keep this hash apart from the folder: a later run that no longer finds it shows the newest records were removed.\n")
            : "no chained records yet: the next cfct up, rotate, destroy or audit starts the chain\n",
        );
        return exit;
      }),
    );

  evidence
    .command("report")
    .description(
      "One report of an audit period: integrity, a timeline of every token generation and its gaps, controls, tokens, verifications, registrations, rotations, revocations, access reviews",
    )
    .requiredOption("-s, --stack <env>", "stack name")
    .option("--since <date>", "start of the audit period (RFC 3339 or YYYY-MM-DD; default: the first record)")
    .option("--until <date>", "end of the audit period (default: now; on a rehearsal's sandbox clock, its newest record)")
    .addOption(new Option("--format <format>", "the report's format (default md); html is one self-contained file").choices(REPORT_FORMATS))
    .option("--json", "the same as --format json")
    .option("--out <file>", "write the report to this file instead of stdout")
    .option("--evidence-dir <dir>", "where cfct wrote evidence", "evidence")
    .action(returnsExitCode((options: ReportOptions) => writeReport(options, reportFormat(options))));
}

const REPORT_FORMATS = ["md", "html", "json"] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

interface ReportOptions {
  stack: string;
  since?: string;
  until?: string;
  format?: ReportFormat;
  json?: boolean;
  out?: string;
  evidenceDir: string;
}

function reportFormat(options: ReportOptions): ReportFormat {
  const format = options.format ?? (options.json ? "json" : "md");
  if (options.json && format !== "json")
    throw new UsageError({ summary: `--json asks for JSON, --format ${format} for ${format}`, fix: "give one of them" });
  return format;
}

function writeReport(options: ReportOptions, format: ReportFormat): number {
  const since = options.since ? parseDate(options.since, "--since") : undefined;
  const until = options.until ? parseDate(options.until, "--until") : undefined;
  if (since && until && until < since)
    throw new UsageError({ summary: `--until ${options.until} is before --since ${options.since}`, fix: "swap them" });
  const named = path.join(options.evidenceDir, options.stack);
  const folder = stackFolder(named, "--evidence-dir/--stack");
  const { report, chain } = reportOfFolder(options.stack, folder, named, {
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    now: new Date(),
  });
  const text =
    format === "json" ? `${JSON.stringify(report)}\n` : format === "html" ? renderPeriodHtml(report) : renderPeriodMarkdown(report);
  // Left-out records are named in the report; the terminal hears it too, since a report written to a file is read later.
  for (const notice of report.notices) process.stderr.write(`cfct: left out: ${notice}\n`);
  if (options.out) {
    const out = path.resolve(options.out);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, text);
    process.stdout.write(format === "json" ? `${JSON.stringify({ out })}\n` : `report: ${out}\n`);
  } else process.stdout.write(text);
  // The report is still written when the chain is broken (it says so first); the exit code says it too.
  return chain.problem ? EXIT.failed : EXIT.ok;
}

/** Reads evidence with `work`; a folder or file this user may not read is named with the fix, not as a raw EACCES. */
function readable<T>(folder: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const { code, path: where } = error as NodeJS.ErrnoException;
    if (code !== "EACCES" && code !== "EPERM") throw error;
    throw new UsageError({
      summary: `cannot read ${where ?? folder} (${code}: this user may not read it)`,
      fix: `run cfct as the user that wrote the evidence, or make it readable, e.g. chmod -R u+rX ${folder}`,
    });
  }
}

function stackFolder(dir: string, flag: string): string {
  const folder = path.resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError({ summary: `${flag}: ${dir} is not a directory`, fix: "name one stack's evidence folder, e.g. evidence/prod" });
  if (readable(folder, () => recordFiles(folder)).length === 0) {
    const stacks = readdirSync(folder).filter((f) => statSync(path.join(folder, f)).isDirectory());
    throw new UsageError({
      summary: `${flag}: ${dir} holds no evidence records`,
      fix:
        stacks.length > 0
          ? `name one stack's folder, e.g. ${path.join(dir, stacks[0]!)}`
          : "point it at the folder cfct up wrote (--evidence-dir, default evidence/<stack>)",
    });
  }
  return folder;
}

/** `--anchor`: a hash, else a file of heads. */
function readAnchors(value: string): Anchor[] {
  const hash = anchorFromHash(value);
  if (hash) return [hash];
  if (!existsSync(value) || !statSync(value).isFile())
    throw new UsageError({
      summary: `--anchor ${value} is neither a SHA-256 (64 hex) nor a file`,
      fix: "give the head a run printed (evidence chain head: #14 sha256 <hash>) or a file of them",
    });
  try {
    return parseAnchorLines(readFileSync(value, "utf8"), value);
  } catch (error) {
    if (error instanceof AnchorFormatError) throw new UsageError(error.message);
    throw error;
  }
}

function parseDate(text: string, flag: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime()))
    throw new UsageError({ summary: `${flag} ${text} is not a date`, fix: "write e.g. 2026-01-01 or 2026-01-01T00:00:00Z" });
  return date;
}
