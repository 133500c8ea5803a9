import { existsSync, readFileSync, readdirSync } from "node:fs";
import { distance } from "fastest-levenshtein";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { foreignKeyProblems } from "./foreign-keys";
import { CONFIG_NAMESPACE, ConfigError, parseSettings, type ConfigProblem, type Settings } from "./schema";

/** The names Pulumi looks for a project file under. */
const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"] as const;

/**
 * Where Pulumi keeps a project's stack files: Pulumi.yaml's `stackConfigDir` (or the deprecated
 * string form of `config:`), relative to the project, else the project directory itself.
 */
export function stackConfigDir(projectDir: string): string {
  const projectFile = PROJECT_FILES.map((name) => path.join(projectDir, name)).find((file) => existsSync(file));
  if (!projectFile) return projectDir;
  let project: unknown;
  try {
    project = parseYaml(readFileSync(projectFile, "utf8"));
  } catch (error) {
    throw new ConfigError(projectFile, [{ path: "(file)", value: undefined, message: `is not valid YAML: ${(error as Error).message}` }]);
  }
  const settings = (project ?? {}) as { stackConfigDir?: unknown; config?: unknown };
  const dir =
    typeof settings.stackConfigDir === "string"
      ? settings.stackConfigDir
      : typeof settings.config === "string"
        ? settings.config
        : undefined;
  return dir ? path.resolve(projectDir, dir) : projectDir;
}

/**
 * The stack file Pulumi reads for a stack: `Pulumi.<name>.yaml` in the stack config directory,
 * where <name> is the stack's own name — the last segment of `org/project/stack` or `org/stack`.
 */
export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(stackConfigDir(projectDir), `Pulumi.${stackName(stack)}.yaml`);
}

/** A stack's own name, as the program sees it (`pulumi.getStack()`): `prod` for `acme/prod`. */
export function stackName(stack: string): string {
  return stack.split("/").pop() ?? stack;
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

/** A stack file as cfct can read it without the Pulumi CLI. */
export interface StackFile {
  readonly file: string;
  /** This project's keys, namespace stripped, not yet validated. */
  readonly projectConfig: Record<string, unknown>;
  /** This project's keys stored encrypted (`key: {secure: v1:…}`): only the Pulumi CLI can decrypt them. */
  readonly secureKeys: readonly string[];
  /** Pulumi ESC environments the stack imports (`environment:`): they can supply config cfct cannot see offline. */
  readonly environments: readonly string[];
  /** Problems with the file's other keys (a misspelled namespace, a provider credential). */
  readonly foreign: readonly ConfigProblem[];
}

/** Reads a stack file; a missing, unreadable or malformed file is a ConfigError naming the cause and the fix. */
export function readStackFile(file: string): StackFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [{ path: "(file)", value: file, message: unreadableStackFile(file, error as NodeJS.ErrnoException) }]);
  }
  return parseStackFile(text, file);
}

/** Why a stack file cannot be read, by the cause, with the fix for that cause. */
function unreadableStackFile(file: string, error: NodeJS.ErrnoException): string {
  const dir = path.relative(process.cwd(), path.dirname(file)) || ".";
  switch (error.code) {
    case "ENOENT": {
      const stacks = stacksIn(path.dirname(file));
      if (stacks.length === 0) return `does not exist, and ${dir} holds no stack file. Fix: create it (see docs/stack-config.md)`;
      const wanted = stackNameFromFile(file);
      const nearest = Math.min(...stacks.map((name) => distance(name, wanted)));
      const closest = stacks.filter((name) => distance(name, wanted) === nearest);
      return (
        `does not exist: did you mean ${closest.map((n) => `--stack ${n}`).join(" or ")}? Stacks with a file in ${dir}: ${stacks.join(", ")}. ` +
        `Fix: pass one of them with --stack, or create ${dir}/Pulumi.${wanted}.yaml for a new stack`
      );
    }
    case "EISDIR":
      return `is a directory, not a stack file. Fix: move the directory away and put the stack's YAML file (config: with cf-compliance-tokens:connections) at this path`;
    case "EACCES":
    case "EPERM":
      return `cannot be read by this user (${error.code}). Fix: make it readable (e.g. chmod u+r ${file}), or run cfct as the user that owns it`;
    default:
      return `cannot be read (${error.code ?? error.message}). Fix: check that ${file} is a readable YAML file`;
  }
}

/** The stacks with a stack file in a stack config directory (`Pulumi.<name>.yaml`), sorted. */
export function stacksIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .flatMap((file) => (/^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1] ? [stackNameFromFile(file)] : []))
      .sort();
  } catch {
    return [];
  }
}

/** A stack file's text (e.g. as `git show` gives an older version); `file` names it in errors. */
export function parseStackFile(text: string, file: string): StackFile {
  let document: unknown;
  try {
    // YAML 1.1 merge keys (`<<: *defaults`), which Pulumi's own YAML reader honours too.
    document = parseYaml(text, { merge: true });
  } catch (error) {
    throw new ConfigError(file, [{ path: "(file)", value: undefined, message: `is not valid YAML: ${(error as Error).message}` }]);
  }
  const { config = {}, environment } = (document ?? {}) as { config?: unknown; environment?: unknown };
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(file, [
      { path: "config", value: config, message: `is not a map. Fix: write config: as a map with ${CONFIG_NAMESPACE}:connections` },
    ]);
  }
  const projectConfig = projectKeys(config as Record<string, unknown>);
  const secureKeys = Object.entries(projectConfig)
    .filter(([, value]) => value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value)
    .map(([key]) => key);
  return {
    file,
    projectConfig,
    secureKeys,
    environments: environmentImports(environment),
    foreign: foreignKeyProblems(config as Record<string, unknown>),
  };
}

/** `environment: [a, b]` or `environment: {imports: [a, b]}` (Pulumi accepts both). */
function environmentImports(environment: unknown): string[] {
  const imports = Array.isArray(environment) ? environment : (environment as { imports?: unknown } | null | undefined)?.imports;
  return Array.isArray(imports) ? imports.map(String) : [];
}

/**
 * What cfct cannot read from a stack file without the Pulumi CLI, one problem per reason, with the
 * way to read it; empty when the file alone is the stack's config.
 */
export function offlineUnreadable(stackFile: StackFile): ConfigError | undefined {
  const viaCli = "cfct reads it through the Pulumi CLI with --engine pulumi (`pulumi config --stack <name>`)";
  const problems = [
    ...stackFile.secureKeys.map((key) => ({
      path: `${CONFIG_NAMESPACE}:${key}`,
      value: undefined,
      message: `is a secure (encrypted) value, which only Pulumi can decrypt. Fix: ${viaCli}, or store it in plain text (these keys hold no secrets)`,
    })),
    ...(stackFile.environments.length > 0
      ? [
          {
            path: "environment",
            value: stackFile.environments,
            message: `imports Pulumi ESC environment(s), whose config cfct cannot read offline. Fix: ${viaCli}, or move the ${CONFIG_NAMESPACE}:* keys into the stack file`,
          },
        ]
      : []),
  ];
  return problems.length > 0 ? new ConfigError(stackFile.file, problems) : undefined;
}

/** This project's keys of a stack file, read offline: a foreign-key problem or a value only Pulumi can read is a ConfigError. */
export function readProjectConfig(file: string): Record<string, unknown> {
  const stackFile = readStackFile(file);
  if (stackFile.foreign.length > 0) throw new ConfigError(file, stackFile.foreign);
  const unreadable = offlineUnreadable(stackFile);
  if (unreadable) throw unreadable;
  return stackFile.projectConfig;
}

export function loadSettingsFile(file: string, stack = stackNameFromFile(file)): Settings {
  const stackFile = readStackFile(file);
  const unreadable = offlineUnreadable(stackFile);
  if (unreadable) throw unreadable;
  return parseSettings(stackFile.projectConfig, { stack, source: file, also: stackFile.foreign });
}

export function loadStackSettings(projectDir: string, stack: string): Settings {
  return loadSettingsFile(stackFilePath(projectDir, stack), stackName(stack));
}
