import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { renderReviewCsv, renderReviewMarkdown } from "../../audit/render";
import { renderReviewHtml } from "../../audit/render-html";
import { reachesThreshold } from "../../audit/report";
import { reviewAccess } from "../../audit/review";
import { SEVERITIES, type AccessReview, type Severity } from "../../evidence/access-review";
import { chainHeadLine } from "../../evidence/anchor";
import { currentCommit, writeEvidence } from "../../evidence/write";
import { EXIT } from "../errors";
import { returnsExitCode } from "../exit-code";
import { pipelineFor, withEngineOptions, type EngineOptions } from "../engine-options";

type FailOn = Severity | "none";
const FAIL_ON: readonly FailOn[] = [...SEVERITIES, "none"];

interface AuditOptions extends EngineOptions {
  json?: boolean;
  out?: string;
  failOn: FailOn;
}

export function registerAudit(program: Command): void {
  withEngineOptions(
    program
      .command("audit")
      .description("Access review: every API token the provisioner can see, classed (managed/orphaned/unmanaged/provisioner) and judged"),
  )
    .option("--json", "print exactly one JSON object {stack, generatedAt, tokens, summary, chainHead}")
    .option("--out <dir>", "also write the review as Markdown and HTML (each with a reviewer sign-off table) and CSV into this directory")
    .addOption(new Option("--fail-on <severity>", "exit 2 when a finding reaches this severity").choices(FAIL_ON).default("high"))
    .action(
      returnsExitCode(async (options: AuditOptions) => {
        const { failOn } = options;
        // Progress goes to stderr: with --json, stdout carries the JSON object alone.
        const progress = (line: string) => process.stderr.write(`${line}\n`);
        // The review reads what the engine deploys to, with the pipeline's provisioner client (a rehearsal: the sandbox's).
        const pipeline = pipelineFor(options, progress);
        const { engine } = pipeline.context;
        const startedAt = await pipeline.context.now();
        const review = await reviewAccess({
          provisioner: pipeline.provisioner,
          settings: await engine.settings(),
          deployed: await engine.outputs(),
          now: startedAt,
        });

        const written = options.out ? writeReviewFiles(path.resolve(options.out), review) : [];
        const evidence = writeEvidence(path.resolve(options.evidenceDir), {
          schemaVersion: 1,
          command: "audit",
          stack: options.stack,
          engine: engine.label,
          commit: currentCommit(path.resolve(options.projectDir)),
          clock: await pipeline.clock(),
          startedAt: startedAt.toISOString(),
          finishedAt: (await pipeline.context.now()).toISOString(),
          ok: !reachesThreshold(review, failOn),
          apiCalls: pipeline.apiCalls(),
          tokens: [],
          rotation: [],
          problems: [],
          review,
        });
        for (const gap of review.notReviewed)
          process.stderr.write(
            `cfct: not reviewed: ${gap.owner.kind === "account" ? `account ${gap.owner.accountId}` : "user"} tokens: ${gap.detail}\n`,
          );
        const chainHead = { sequence: evidence.head.sequence, hash: evidence.head.hash };
        if (options.json) process.stdout.write(`${JSON.stringify({ ...review, chainHead })}\n`);
        else {
          process.stdout.write(renderReviewText(review));
          for (const file of written) process.stdout.write(`review: ${file}\n`);
          process.stdout.write(`evidence: ${evidence.markdown}\n${chainHeadLine(chainHead)}\n`);
        }
        return reachesThreshold(review, failOn) ? EXIT.failed : EXIT.ok;
      }),
    );
}

function writeReviewFiles(dir: string, review: AccessReview): string[] {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `access-review-${review.stack}-${review.generatedAt.slice(0, 10)}`);
  writeFileSync(`${base}.md`, renderReviewMarkdown(review));
  writeFileSync(`${base}.csv`, renderReviewCsv(review));
  writeFileSync(`${base}.html`, renderReviewHtml(review));
  return [`${base}.md`, `${base}.csv`, `${base}.html`];
}

function renderReviewText(review: AccessReview): string {
  const lines = review.tokens.map((t) => {
    const findings = t.findings.map((f) => `${f.severity}:${f.id}`).join(" ");
    return `${t.class.padEnd(11)} ${t.id}  ${t.name}${findings ? `  [${findings}]` : ""}`;
  });
  const { summary } = review;
  lines.push(
    `${summary.tokens} token(s); findings: ${summary.findings.high} high, ${summary.findings.medium} medium, ${summary.findings.low} low`,
  );
  return `${lines.join("\n")}\n`;
}
