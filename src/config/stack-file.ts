import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE, ConfigError, parseSettings, type Settings } from "./schema";

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

/** This project's keys of a stack file, namespace stripped, not yet validated; a file problem is a ConfigError. */
export function readProjectConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : String(error);
    throw new ConfigError(file, [
      { path: "(file)", value: file, message: `${reason}. Fix: create it, or pass --stack <name> for ${STACK_CONFIG_DIR}/Pulumi.<name>.yaml` },
    ]);
  }
  return projectConfigFromYaml(text, file);
}

/** This project's keys of a stack file's text (e.g. as `git show` gives an older version); `file` names it in errors. */
export function projectConfigFromYaml(text: string, file: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, [{ path: "(file)", value: undefined, message: `is not valid YAML: ${(error as Error).message}` }]);
  }
  const config = (document as { config?: unknown } | null)?.config;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(file, [
      { path: "config", value: config, message: `is missing. Fix: add a config: map with ${CONFIG_NAMESPACE}:connections` },
    ]);
  }
  return projectKeys(config as Record<string, unknown>);
}

export function loadSettingsFile(file: string, stack = stackNameFromFile(file)): Settings {
  return parseSettings(readProjectConfig(file), { stack, source: file });
}

export function loadStackSettings(projectDir: string, stack: string): Settings {
  return loadSettingsFile(stackFilePath(projectDir, stack), stack);
}
