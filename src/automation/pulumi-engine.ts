import {
  LocalWorkspace,
  StackNotFoundError,
  type ConfigMap,
  type LocalWorkspaceOptions,
  type OutputMap,
  type Stack,
} from "@pulumi/pulumi/automation";
import type { Settings } from "../config/schema";
import { CONFIG_NAMESPACE, parseSettings } from "../config/schema";
import { offlineUnreadable, projectKeys, readStackFile, stackFilePath, stackName } from "../config/stack-file";
import {
  LEGACY_VALUES_OUTPUT,
  readTokenOutputs,
  type CleanedUpToken,
  type DeployedToken,
  type EngineResult,
  type PreviewResult,
  type StackEngine,
} from "./engine";
import { deleteOrphans, pendingTokenCreates, type OrphanTokens } from "./pending-creates";
import { checkPulumiEnvironment, pulumiProcessEnv, secretEnvNamesIn } from "./pulumi-environment";
import { PulumiNothingChangedError, explainPulumiFailure } from "./pulumi-errors";
import { StepLog } from "./pulumi-steps";
import { readStackState, type StackState } from "./stack-state";
import { type TokenGenerations } from "../domain/generation";

export interface PulumiEngineOptions {
  readonly projectDir: string;
  readonly stack: string;
  /**
   * Only `up` and `rotate` may create a stack that does not exist yet; every other command selects
   * it, so a mistyped `--stack` never leaves an empty stack in the backend.
   */
  readonly createStack?: boolean;
  /** Policy packs and their config files, absolute paths (Pulumi runs in the project directory). */
  readonly policyPacks?: readonly string[];
  readonly policyPackConfigs?: readonly string[];
  /** Pulumi's own progress, one whole line at a time. */
  readonly onOutput?: (line: string) => void;
  /** The provisioner credential and the variable cfct read it from; Pulumi's provider gets it as CLOUDFLARE_API_TOKEN. */
  readonly provisionerToken: string;
  readonly provisionerTokenEnv: string;
  /** Deletes tokens a killed `pulumi up` created but never recorded. */
  readonly orphans: OrphanTokens;
  /** Told of each such token once it is deleted (the run's evidence records it). */
  readonly onCleanup?: (token: CleanedUpToken) => Promise<void> | void;
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const PULUMI_LABEL = "engine: pulumi (Automation API, Pulumi CLI)";

/** One `stack export`: as Pulumi wrote it (pending creates are read from it), and read (outputs, values). */
interface ExportedState {
  readonly exported: unknown;
  readonly state: StackState;
}

/**
 * Drives the project's Pulumi program through the Automation API (LocalWorkspace on the project
 * directory, so Pulumi.yaml, stackConfigDir and the state backend are the user's own). The provider
 * credential reaches the Pulumi process through the workspace's environment; nothing secret is
 * passed in argv.
 */
export class PulumiEngine implements StackEngine {
  readonly label = PULUMI_LABEL;
  private stackPromise: Promise<Stack> | undefined;
  /**
   * `stack export --show-secrets`: one CLI process that decrypts the state into this one's memory,
   * where the outputs and each token's value are read from it. Once per run, and again only after
   * an update changed the state.
   */
  private exportPromise: Promise<ExportedState> | undefined;

  constructor(private readonly options: PulumiEngineOptions) {}

  async preview(): Promise<PreviewResult> {
    const stack = await this.stack();
    const steps = new StepLog();
    await this.run("preview", steps, false, (onOutput) =>
      stack.preview({ diff: true, ...this.policyOptions(), onOutput, onEvent: steps.onEvent }),
    );
    // Outputs are unknown before an update; Pulumi's --diff output shows the tokens' inputs instead.
    return { changes: steps.changes() };
  }

  async up(): Promise<EngineResult> {
    const stack = await this.stack();
    const before = await this.exported();
    await this.clearPendingCreates(stack, before.exported);
    const steps = new StepLog();
    const result = await this.run("up", steps, true, (onOutput) => stack.up({ ...this.policyOptions(), onOutput, onEvent: steps.onEvent }));
    // The state changed: values are read again, from the new one.
    this.exportPromise = undefined;
    const outputs = plainOutputs(result.outputs);
    if (LEGACY_VALUES_OUTPUT in before.state.outputs && !(LEGACY_VALUES_OUTPUT in outputs)) {
      this.progress(
        `stack ${this.options.stack}: this update removed the stack output \`${LEGACY_VALUES_OUTPUT}\` that earlier cfct versions wrote; ` +
          "token values are now read from the stack's state only. Anything that copied that output (CI step outputs, StackReferences) held the values: rotate if it may have leaked",
      );
    }
    return { changes: steps.changes(), tokens: readTokenOutputs(outputs) };
  }

  async destroy(): Promise<EngineResult> {
    const stack = await this.stack();
    await this.clearPendingCreates(stack, (await this.exported()).exported);
    const steps = new StepLog();
    await this.run("destroy", steps, true, (onOutput) => stack.destroy({ onOutput, onEvent: steps.onEvent }));
    this.exportPromise = Promise.resolve({ exported: { deployment: {} }, state: { outputs: {}, values: new Map() } });
    // Nothing is left to rotate: a later up starts with fresh generations.
    await this.run("config rm", new StepLog(), false, () => stack.removeConfig(`${CONFIG_NAMESPACE}:generations`));
    return { changes: steps.changes(), tokens: [] };
  }

  async outputs(): Promise<DeployedToken[]> {
    return readTokenOutputs((await this.exported()).state.outputs);
  }

  async tokenValue(logicalName: string): Promise<string | undefined> {
    // The export's plaintext lives in this process only and goes no further than the caller.
    return (await this.exported()).state.values.get(logicalName);
  }

  /**
   * The stack's settings as Pulumi sees them. The stack file is read directly when it is the whole
   * config; values only Pulumi can read (secure values, ESC imports) come through `pulumi config`.
   */
  async settings(): Promise<Settings> {
    const stackFile = readStackFile(stackFilePath(this.options.projectDir, this.options.stack));
    // Token names carry the stack's own name, as the program sees it, also for `--stack acme/prod`.
    const name = stackName(this.options.stack);
    if (!offlineUnreadable(stackFile))
      return parseSettings(stackFile.projectConfig, { stack: name, source: stackFile.file, also: stackFile.foreign });
    const stack = await this.stack();
    const config = await this.run("config", new StepLog(), false, () => stack.getAllConfig(), { stdoutHoldsSecrets: true });
    return parseSettings(projectKeys(configValues(config)), {
      stack: name,
      source: `${stackFile.file} (through pulumi config)`,
      also: stackFile.foreign,
    });
  }

  async saveGenerations(generations: TokenGenerations): Promise<void> {
    await this.setConfig("generations", generations);
  }

  async setConfig(key: string, value: unknown): Promise<void> {
    // `pulumi config set` honours stackConfigDir, so this lands in the stack file: commit it (the
    // workflows do) so the next run starts from it. It is stored as JSON text, which the schema accepts.
    const stack = await this.stack();
    await this.run("config set", new StepLog(), false, () =>
      stack.setConfig(`${CONFIG_NAMESPACE}:${key}`, { value: JSON.stringify(value) }),
    );
  }

  private policyOptions() {
    return { policyPacks: [...(this.options.policyPacks ?? [])], policyPackConfigs: [...(this.options.policyPackConfigs ?? [])] };
  }

  private exported(): Promise<ExportedState> {
    this.exportPromise ??= this.stack()
      .then((stack) => this.run("stack export", new StepLog(), false, () => stack.exportStack(), { stdoutHoldsSecrets: true }))
      .then((exported) => ({ exported, state: readStackState(exported) }));
    return this.exportPromise;
  }

  /**
   * A killed `pulumi up` leaves its in-flight creates pending in the state, and the next up drops
   * them: a token created in Cloudflare in between would be orphaned. Delete those tokens (found by
   * their planned names), then clear the pending creates from the state.
   */
  private async clearPendingCreates(stack: Stack, exported: unknown): Promise<void> {
    const { pending, knownIds } = pendingTokenCreates(exported);
    if (pending.length === 0) return;
    this.progress(`${pending.length} token create(s) left pending by an interrupted run: ${pending.map((p) => p.name).join(", ")}`);
    for (const deleted of await deleteOrphans(pending, knownIds, this.options.orphans)) {
      this.progress(`deleted orphaned token ${deleted.id} (${deleted.name})`);
      await this.options.onCleanup?.(deleted);
    }
    await this.run("refresh --clear-pending-creates", new StepLog(), true, (onOutput) =>
      stack.refresh({ clearPendingCreates: true, onOutput }),
    );
    this.exportPromise = undefined;
  }

  /** Runs one Pulumi command with whole-line output, and turns its failure into one actionable error. */
  private async run<T>(
    command: string,
    steps: StepLog,
    mutating: boolean,
    work: (onOutput: (chunk: string) => void) => Promise<T>,
    { stdoutHoldsSecrets = false } = {},
  ): Promise<T> {
    const lines = lineSplitter((line) => this.progress(line));
    try {
      return await work(lines.write);
    } catch (error) {
      throw explainPulumiFailure(error, {
        step: `pulumi ${command} --stack ${this.options.stack}`,
        stack: this.options.stack,
        changed: mutating && steps.changedAnything(),
        diagnostics: steps.diagnostics(),
        stdoutHoldsSecrets,
      });
    } finally {
      lines.flush();
    }
  }

  private progress(line: string): void {
    this.options.onOutput?.(line);
  }

  private stack(): Promise<Stack> {
    this.stackPromise ??= this.openStack();
    return this.stackPromise;
  }

  private async openStack(): Promise<Stack> {
    const { projectDir, stack } = this.options;
    checkPulumiEnvironment(projectDir, stack, this.options.env ?? process.env);
    const workspace = pulumiWorkspace(this.options);
    const args = { stackName: stack, workDir: projectDir };
    try {
      return await (this.options.createStack
        ? LocalWorkspace.createOrSelectStack(args, workspace)
        : LocalWorkspace.selectStack(args, workspace));
    } catch (error) {
      if (error instanceof StackNotFoundError) throw await this.noSuchStack(workspace);
      throw explainPulumiFailure(error, { step: `pulumi stack select --stack ${stack}`, stack, changed: false, diagnostics: [] });
    }
  }

  private async noSuchStack(workspace: LocalWorkspaceOptions): Promise<Error> {
    const { stack } = this.options;
    const existing = await LocalWorkspace.create(workspace)
      .then((ws) => ws.listStacks())
      .then((stacks) => stacks.map((s) => s.name))
      .catch(() => undefined);
    const names = existing === undefined ? "(could not list them)" : existing.length > 0 ? existing.join(", ") : "none";
    return new PulumiNothingChangedError({
      summary: `stack ${stack} does not exist in the state backend; nothing was created. Existing stacks: ${names}`,
      fix: `pass one of them with --stack, or create it with \`cfct up --stack ${stack}\``,
    });
  }
}

type WorkspaceInputs = Pick<PulumiEngineOptions, "projectDir" | "stack" | "provisionerToken" | "provisionerTokenEnv" | "env">;

/** The workspace every Pulumi command of cfct runs in: the project directory, and the environment cfct allows Pulumi. */
export function pulumiWorkspace(options: WorkspaceInputs): LocalWorkspaceOptions {
  const env = options.env ?? process.env;
  return {
    workDir: options.projectDir,
    envVars: pulumiProcessEnv({ ...options, secretEnvNames: secretEnvNamesOf(options.projectDir, options.stack), env }),
  };
}

/** The CLI's version, as the Automation API reads it (it refuses a CLI older than it supports). Changes nothing. */
export async function pulumiCliVersion(options: WorkspaceInputs): Promise<string> {
  try {
    return (await LocalWorkspace.create(pulumiWorkspace(options))).pulumiVersion;
  } catch (error) {
    throw explainPulumiFailure(error, { step: "pulumi version", stack: options.stack, changed: false, diagnostics: [] });
  }
}

/** `pulumi whoami` on the project's backend: it is reachable and logged in (`cfct doctor`). Changes nothing. */
export async function backendIdentity(options: WorkspaceInputs): Promise<{ user: string; url?: string }> {
  try {
    const who = await (await LocalWorkspace.create(pulumiWorkspace(options))).whoAmI();
    return { user: who.user, ...(who.url ? { url: who.url } : {}) };
  } catch (error) {
    throw explainPulumiFailure(error, { step: "pulumi whoami", stack: options.stack, changed: false, diagnostics: [] });
  }
}

/** Whether the backend has the stack; `up` and `rotate` create it when it has not (`cfct doctor`). Changes nothing. */
export async function stackExists(options: WorkspaceInputs): Promise<boolean> {
  try {
    const stacks = await (await LocalWorkspace.create(pulumiWorkspace(options))).listStacks();
    return stacks.some((s) => s.name === options.stack || s.name.endsWith(`/${options.stack}`));
  } catch (error) {
    throw explainPulumiFailure(error, { step: "pulumi stack ls", stack: options.stack, changed: false, diagnostics: [] });
  }
}

/** The variables a stack's config names as secret sources; a stack file cfct cannot read names none. */
function secretEnvNamesOf(projectDir: string, stack: string): string[] {
  try {
    return secretEnvNamesIn(readStackFile(stackFilePath(projectDir, stack)).projectConfig);
  } catch {
    return [];
  }
}

/** `pulumi config --json` gives structured values as JSON text (and, on newer CLIs, as objectValue). */
function configValues(config: ConfigMap): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, entry]) => {
      const objectValue = (entry as { objectValue?: unknown }).objectValue;
      return [key, objectValue !== undefined ? objectValue : parseStructured(entry.value)];
    }),
  );
}

function parseStructured(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

/** The CLI's output arrives in chunks that split and join lines at random; hand on whole lines only. */
export function lineSplitter(onLine: (line: string) => void): { write: (chunk: string) => void; flush: () => void } {
  let pending = "";
  return {
    write(chunk) {
      const parts = (pending + chunk).split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) onLine(line);
    },
    flush() {
      if (pending !== "") onLine(pending);
      pending = "";
    },
  };
}
