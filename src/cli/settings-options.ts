import path from "node:path";
import type { Command } from "commander";
import type { Settings } from "../config/schema";
import { loadSettingsFile, loadStackSettings } from "../config/stack-file";
import { UsageError } from "./errors";
import { parseStackName } from "./stack-name";

export interface StackSelection {
  readonly stack?: string;
  readonly config?: string;
  readonly projectDir: string;
}

/** `--stack <env>` (stacks/Pulumi.<env>.yaml) or `--config <file>`: the two ways every command finds its settings. */
export function addStackOptions(command: Command): Command {
  return command
    .option("-s, --stack <env>", "stack name: reads stacks/Pulumi.<env>.yaml", parseStackName)
    .option("-c, --config <file>", "a stack config file to read instead of --stack")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml", process.cwd());
}

export function selectionFrom(options: { stack?: string; config?: string; projectDir?: string }): StackSelection {
  return { stack: options.stack, config: options.config, projectDir: path.resolve(options.projectDir ?? process.cwd()) };
}

export function loadSelectedSettings(selection: StackSelection): Settings {
  if (selection.config) return loadSettingsFile(path.resolve(selection.config), selection.stack);
  if (selection.stack) return loadStackSettings(selection.projectDir, selection.stack);
  throw new UsageError("name a stack with --stack <env> (reads stacks/Pulumi.<env>.yaml) or a file with --config <file>");
}
