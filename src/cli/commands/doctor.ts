import path from "node:path";
import type { Command } from "commander";
import { secretsProviderCheck } from "../../automation/doctor-secrets";
import { describePreflight } from "../../automation/preflight";
import { EXIT } from "../errors";
import { pipelineFor, withEngineOptions, type EngineOptions } from "../engine-options";

const print = (line: string) => process.stdout.write(`${line}\n`);

export function registerDoctor(program: Command): void {
  withEngineOptions(
    program
      .command("doctor")
      .description(
        "Check, changing nothing, that the provisioner credential can deploy the stack: active, allowed to create its tokens, a member of its accounts, able to read its zones; " +
          "with the Pulumi engine, name the secrets provider that encrypts the token values in its state (a warning for a passphrase on a prod stack)",
      ),
  ).action(async (options: EngineOptions) => {
    const pipeline = pipelineFor(options, print);
    const { engine, preflight } = pipeline.context;
    const settings = await engine.settings();
    if (options.engine === "pulumi") {
      const finding = secretsProviderCheck({
        projectDir: path.resolve(options.projectDir),
        stack: options.stack,
        name: settings.stack,
        env: process.env,
        policyPackConfigs: (options.policyPackConfig ?? []).map((file) => path.resolve(file)),
      });
      print(`${finding.status}: ${finding.detail}${finding.fix ? `. Fix: ${finding.fix}` : ""}`);
    }
    const report = await preflight(settings);
    if (report.findings.length === 0) {
      print(`ok: the provisioner can deploy stack ${settings.stack}`);
      return;
    }
    process.stderr.write(`cfct: ${describePreflight(report, settings.stack)}\n`);
    process.exitCode = EXIT.nothingChanged;
  });
}
