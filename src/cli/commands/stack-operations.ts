import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { runUp, type RunSummary } from "../../automation/pipeline";
import { runRotate, type RotateSummary } from "../../automation/rotate";
import { chainHeadLine } from "../../evidence/anchor";
import { runDestroy } from "../../automation/destroy";
import { recordRun } from "../../automation/record-run";
import { diffTokens } from "../../automation/token-diff";
import { EXIT, UsageError } from "../errors";
import { returnsExitCode } from "../exit-code";
import { printJson } from "../json-output";
import { evidenceRecordSchema } from "../../evidence/record";
import { PROBE_ALL_ZONES_FLAG, pipelineFor, withEngineOptions, type EngineOptions } from "../engine-options";
import { PROVISIONER_USER } from "../../cloudflare/pacing";
import { progressOutput } from "../progress";
import { interruptionMessage, sayWhatWasInterrupted } from "../interruption";
import { type Pipeline } from "../../automation/pipeline";

/** up, rotate and destroy can print one JSON object instead of their report. */
interface RunOptions extends EngineOptions {
  json?: boolean;
}

const JSON_FLAG = [
  "--json",
  "print exactly one JSON object on stdout: the run's evidence record (tokens, verification, registration, rotation, problems) and where it was written; progress goes to stderr",
] as const;

/** The last progress line: what an interruption names as the step it came after. */
let lastStep: string | undefined;
/** Where progress goes: stdout, or stderr when stdout carries the JSON object alone. */
let progressStream: NodeJS.WriteStream = process.stdout;

function reportingTo(options: RunOptions): void {
  progressStream = options.json ? process.stderr : process.stdout;
}

const print = (line: string) => {
  lastStep = line;
  progressStream.write(`${line}\n`);
};

/** A pipeline whose registration reports progress: a status line on a TTY, one line per token elsewhere. */
function progressingPipeline(options: EngineOptions, engineChoice: { createStack?: boolean } = {}): Pipeline {
  const output = progressOutput(progressStream, () => pipeline.budgets.for(PROVISIONER_USER).status());
  const pipeline = pipelineFor(
    options,
    (line) => {
      lastStep = line;
      output.line(line);
    },
    engineChoice,
  );
  return { ...pipeline, context: { ...pipeline.context, status: output.status } };
}

/**
 * Runs the command's work with its evidence recorded, reports problems, and returns the exit code.
 * `extra`: what the command adds to its report (in JSON as fields, in text as lines).
 */
async function recorded<T extends RunSummary & { events?: RotateSummary["events"] }>(
  options: RunOptions,
  pipeline: Pipeline,
  command: "up" | "rotate" | "destroy",
  work: () => Promise<T>,
  extra: (summary: T) => { json: Record<string, unknown>; lines: string[] } = () => ({ json: {}, lines: [] }),
): Promise<number> {
  const interruptible = sayWhatWasInterrupted((signal) =>
    interruptionMessage(signal, { command, stack: options.stack, ...(lastStep ? { lastStep } : {}) }, pipeline.context.engine),
  );
  const { summary, evidence } = await recordRun(
    pipeline,
    { evidenceDir: path.resolve(options.evidenceDir), projectDir: path.resolve(options.projectDir), stack: options.stack, command },
    work,
  ).finally(interruptible);
  for (const problem of summary.problems) process.stderr.write(`cfct: ${problem}\n`);
  const added = extra(summary);
  if (options.json) {
    const record = evidenceRecordSchema.parse(JSON.parse(readFileSync(evidence.json, "utf8")));
    printJson({ ...record, ...added.json, evidence, chainHead: evidence.head });
  } else {
    print(`evidence: ${evidence.markdown}`);
    print(chainHeadLine(evidence.head));
    for (const line of added.lines) print(line);
  }
  return summary.ok ? EXIT.ok : EXIT.failed;
}

export function registerStackOperations(program: Command): void {
  withEngineOptions(program.command("preview").description("Show which tokens, groups, accounts and zones a deploy would change")).action(
    returnsExitCode(async (options: EngineOptions) => {
      const pipeline = pipelineFor(options, print);
      const { engine } = pipeline.context;
      print(engine.label);
      const deployed = await engine.outputs();
      const { changes, tokens } = await engine.preview();
      for (const change of changes) print(`${change.op.padEnd(6)} ${change.logicalName}`);
      // The rehearsal engine knows the resulting tokens; Pulumi's own --diff output above shows the same for the Pulumi engine.
      for (const token of tokens ? diffTokens(deployed, tokens) : []) {
        print(`${token.logicalName} (${token.kind}):`);
        for (const line of token.lines) print(`    ${line}`);
      }
      print(`${changes.filter((c) => c.op !== "same").length} change(s)`);
      return EXIT.ok;
    }),
  );

  withEngineOptions(program.command("up").description("Deploy the stack, then verify and register every new or changed token"))
    .option(...PROBE_ALL_ZONES_FLAG)
    .option(...JSON_FLAG)
    .action(
      returnsExitCode(async (options: RunOptions) => {
        reportingTo(options);
        const pipeline = progressingPipeline(options, { createStack: true });
        return recorded(options, pipeline, "up", () => runUp(pipeline.context));
      }),
    );

  withEngineOptions(
    program.command("destroy").description("Revoke and delete every token of the stack (and registrations marked deleteOnDestroy)"),
  )
    .option(...JSON_FLAG)
    .action(
      returnsExitCode(async (options: RunOptions) => {
        reportingTo(options);
        const pipeline = pipelineFor(options, print, { stackFileOptional: true });
        print(pipeline.context.engine.label);
        return recorded(options, pipeline, "destroy", () => runDestroy(pipeline.context));
      }),
    );

  withEngineOptions(program.command("rotate").description("Rotate due tokens with no gap in the platforms' access"))
    .option("--if-due-within <duration>", "rotate tokens expiring within this window, e.g. 14d or 36h", "14d")
    .option("--grace <duration>", "keep the old generation this long after registration when no use of the new one is seen", "24h")
    .option("--force", "rotate every selected token now, whatever its expiry")
    .option("--token <key...>", "only these token keys")
    .option(...PROBE_ALL_ZONES_FLAG)
    .option(...JSON_FLAG)
    .action(
      returnsExitCode(async (options: RunOptions & { ifDueWithin: string; grace: string; force?: boolean; token?: string[] }) => {
        reportingTo(options);
        const pipeline = progressingPipeline(options, { createStack: true });
        return recorded(
          options,
          pipeline,
          "rotate",
          () =>
            runRotate(pipeline.context, {
              ifDueWithinDays: durationHours(options.ifDueWithin, "--if-due-within") / 24,
              graceHours: durationHours(options.grace, "--grace"),
              ...(options.force ? { force: true } : {}),
              ...(options.token ? { keys: options.token } : {}),
              pickupCheckFor: pipeline.pickupCheckFor,
            }),
          (summary) => ({
            json: { waiting: summary.waiting },
            lines:
              summary.waiting.length > 0
                ? [`waiting for pickup: ${summary.waiting.join(", ")} (run cfct rotate again later; the schedule does)`]
                : [],
          }),
        );
      }),
    );
}

/** `14d`, `36h` or a bare number of days, in hours. */
export function durationHours(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([dh]?)$/.exec(text.trim());
  if (!match) throw new UsageError({ summary: `${flag} ${text} is not a duration`, fix: "write e.g. 14d or 36h" });
  const amount = Number(match[1]);
  return match[2] === "h" ? amount : amount * 24;
}
