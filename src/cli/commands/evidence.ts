import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { recordFiles, verifyChain, type ChainReport } from "../../evidence/chain";
import { loadRecords, renderPeriodReport } from "../../evidence/period-report";
import { renderEvidenceMarkdown } from "../../evidence/write";
import { EXIT, UsageError } from "../errors";
import { printJson } from "../json-output";

export function registerEvidence(program: Command): void {
  const evidence = program.command("evidence").description("Check and report the evidence cfct up/rotate/destroy/audit wrote");

  evidence
    .command("verify")
    .description(
      "Check every record of one stack's evidence and their hash chain; name the first edited, removed or reordered record (exit 2)",
    )
    .requiredOption("--dir <dir>", "one stack's evidence folder, e.g. evidence/prod")
    .option("--json", "print exactly one JSON object {ok, folder, verified, unchained, head, problem}")
    .action((options: { dir: string; json?: boolean }) => {
      const folder = stackFolder(options.dir, "--dir");
      const report = readable(folder, () => verifyChain(folder, renderEvidenceMarkdown));
      process.exitCode = report.problem ? EXIT.failed : EXIT.ok;
      if (options.json) {
        printJson({
          ok: !report.problem,
          folder: report.folder,
          verified: report.verified,
          unchained: report.unchained,
          head: report.head ?? null,
          problem: report.problem ?? null,
        });
        return;
      }
      for (const file of report.unchained)
        process.stdout.write(`unchained: ${path.basename(file)} was written before the hash chain; it cannot be verified\n`);
      if (report.problem) {
        process.stdout.write(`BROKEN: ${report.problem.kind} ${report.problem.file}\n  ${report.problem.detail}\n`);
        process.stdout.write(`${report.verified} record(s) verified before it.\n`);
        return;
      }
      process.stdout.write(
        report.head
          ? `ok: ${report.verified} record(s) chained; newest #${report.head.sequence} sha256 ${report.head.hash}\n  Keep this hash apart from the folder: a later run that no longer finds it shows the newest records were removed.\n`
          : "no chained records yet: the next cfct up, rotate, destroy or audit starts the chain\n",
      );
    });

  evidence
    .command("report")
    .description("One Markdown report of an audit period: tokens, verifications, registrations, rotations, revocations, access reviews")
    .requiredOption("-s, --stack <env>", "stack name")
    .requiredOption("--since <date>", "start of the audit period (RFC 3339 or YYYY-MM-DD)")
    .option("--until <date>", "end of the audit period (default: now)")
    .option("--evidence-dir <dir>", "where cfct wrote evidence", "evidence")
    .action((options: { stack: string; since: string; until?: string; evidenceDir: string }) => {
      const since = parseDate(options.since, "--since");
      const until = options.until ? parseDate(options.until, "--until") : new Date();
      if (until < since) throw new UsageError(`--until ${options.until} is before --since ${options.since}. Fix: swap them`);
      const folder = stackFolder(path.join(options.evidenceDir, options.stack), "--evidence-dir/--stack");
      const chain: ChainReport = verifyChain(folder, renderEvidenceMarkdown);
      process.stdout.write(renderPeriodReport(options.stack, { since, until }, loadRecords(recordFiles(folder)), chain));
      // The report is still printed when the chain is broken (it says so first); the exit code says it too.
      process.exitCode = chain.problem ? EXIT.failed : EXIT.ok;
    });
}

/** Reads evidence with `work`; a folder or file this user may not read is named with the fix, not as a raw EACCES. */
function readable<T>(folder: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const { code, path: where } = error as NodeJS.ErrnoException;
    if (code !== "EACCES" && code !== "EPERM") throw error;
    throw new UsageError(
      `cannot read ${where ?? folder} (${code}: this user may not read it). Fix: run cfct as the user that wrote the evidence, or make it readable, e.g. chmod -R u+rX ${folder}`,
    );
  }
}

function stackFolder(dir: string, flag: string): string {
  const folder = path.resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`${flag}: ${dir} is not a directory. Fix: name one stack's evidence folder, e.g. evidence/prod`);
  if (readable(folder, () => recordFiles(folder)).length === 0) {
    const stacks = readdirSync(folder).filter((f) => statSync(path.join(folder, f)).isDirectory());
    throw new UsageError(
      `${flag}: ${dir} holds no evidence records.${stacks.length > 0 ? ` Fix: name one stack's folder, e.g. ${path.join(dir, stacks[0]!)}` : " Fix: point it at the folder cfct up wrote (--evidence-dir, default evidence/<stack>)"}`,
    );
  }
  return folder;
}

function parseDate(text: string, flag: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`${flag} ${text} is not a date. Fix: write e.g. 2026-01-01 or 2026-01-01T00:00:00Z`);
  return date;
}
