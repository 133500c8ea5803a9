import type { Command } from "commander";
import { describePreflight } from "../../automation/preflight";
import { EXIT } from "../errors";
import { pipelineFor, withEngineOptions, type EngineOptions } from "../engine-options";

const print = (line: string) => process.stdout.write(`${line}\n`);

export function registerDoctor(program: Command): void {
  withEngineOptions(
    program
      .command("doctor")
      .description(
        "Check, changing nothing, that the provisioner credential can deploy the stack: active, allowed to create its tokens, a member of its accounts, able to read its zones",
      ),
  ).action(async (options: EngineOptions) => {
    const pipeline = pipelineFor(options, print);
    const { engine, preflight } = pipeline.context;
    const settings = await engine.settings();
    const report = await preflight(settings, await engine.outputs());
    for (const note of report.notes) print(`note: ${note}`);
    if (report.findings.length === 0) {
      print(`ok: the provisioner can deploy stack ${settings.stack}`);
      return;
    }
    process.stderr.write(`cfct: ${describePreflight(report, settings.stack)}\n`);
    process.exitCode = EXIT.nothingChanged;
  });
}
