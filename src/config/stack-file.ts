import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { foreignKeyProblems } from "./foreign-keys";
import { CONFIG_NAMESPACE, ConfigError, parseSettings, type ConfigProblem, type Settings } from "./schema";

/** Where Pulumi.yaml's `stackConfigDir` puts stack files. */
export const STACK_CONFIG_DIR = "stacks";

export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, STACK_CONFIG_DIR, `Pulumi.${stack}.yaml`);
}

/** The stack name a file like `Pulumi.prod.yaml` belongs to. */
export function stackNameFromFile(file: string): string {
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
  return match?.[1] ?? path.basename(file).replace(/\.ya?ml$/, "");
}

/** Keeps only this project's keys of a Pulumi `config:` map and strips the namespace. */
export function projectKeys(config: Record<string, unknown>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}

export interface StackFileKeys {
  /** This project's keys, namespace stripped, not yet validated. */
  readonly keys: Record<string, unknown>;
  /** Problems with the file's other keys (a misspelled namespace, a provider credential). */
  readonly foreign: readonly ConfigProblem[];
}

/** This project's keys of a stack file, namespace stripped, not yet validated; a foreign-key problem is a ConfigError. */
export function readProjectConfig(file: string): Record<string, unknown> {
  const { keys, foreign } = readStackFile(file);
  if (foreign.length > 0) throw new ConfigError(file, foreign);
  return keys;
}

/** A stack file's keys and the problems of its other keys; a file that cannot be read is a ConfigError. */
export function readStackFile(file: string): StackFileKeys {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : String(error);
    throw new ConfigError(file, [
      { path: "(file)", value: file, message: `${reason}. Fix: create it, or pass --stack <name> for ${STACK_CONFIG_DIR}/Pulumi.<name>.yaml` },
    ]);
  }
  let document: unknown;
  try {
    // YAML 1.1 merge keys (`<<: *defaults`), which Pulumi's own YAML reader honours too.
    document = parseYaml(text, { merge: true });
  } catch (error) {
    throw new ConfigError(file, [{ path: "(file)", value: undefined, message: `is not valid YAML: ${(error as Error).message}` }]);
  }
  const config = (document as { config?: unknown } | null)?.config;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(file, [
      { path: "config", value: config, message: `is missing. Fix: add a config: map with ${CONFIG_NAMESPACE}:connections` },
    ]);
  }
  return { keys: projectKeys(config as Record<string, unknown>), foreign: foreignKeyProblems(config as Record<string, unknown>) };
}

export function loadSettingsFile(file: string, stack = stackNameFromFile(file)): Settings {
  const { keys, foreign } = readStackFile(file);
  return parseSettings(keys, { stack, source: file, also: foreign });
}

export function loadStackSettings(projectDir: string, stack: string): Settings {
  return loadSettingsFile(stackFilePath(projectDir, stack), stack);
}
