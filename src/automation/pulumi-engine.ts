import { LocalWorkspace, type EngineEvent, type LocalProgramArgs, type LocalWorkspaceOptions, type OutputMap, type Stack } from "@pulumi/pulumi/automation";
import type { Settings, TokenGenerations } from "../config/schema";
import { NothingChangedError } from "../domain/run-errors";
import { CONFIG_NAMESPACE } from "../config/schema";
import { TOKEN_RESOURCE_TYPES } from "../program/outputs";
import { loadStackSettings } from "../config/stack-file";
import { readTokenOutputs, type ChangeOp, type DeployedToken, type EngineResult, type PreviewResult, type ResourceChange, type StackEngine } from "./engine";

export type WorkspaceFactory = (args: LocalProgramArgs, opts: LocalWorkspaceOptions) => Promise<Stack>;

export interface PulumiEngineOptions {
  readonly projectDir: string;
  readonly stack: string;
  /** Policy packs to run with preview/up (e.g. ["policies"]). */
  readonly policyPacks?: readonly string[];
  /** Engine output lines (Pulumi's own progress), for the terminal. */
  readonly onOutput?: (line: string) => void;
  /** Replaced in tests; production uses LocalWorkspace.createOrSelectStack. */
  readonly workspace?: WorkspaceFactory;
}

export const PULUMI_LABEL = "engine: pulumi (Automation API, Pulumi CLI)";

const TOKEN_TYPES: ReadonlySet<string> = new Set(Object.values(TOKEN_RESOURCE_TYPES));
const OPS: Record<string, ChangeOp> = { create: "create", update: "update", delete: "delete", same: "same", replace: "update", "create-replacement": "create", "delete-replaced": "delete" };

/**
 * Drives the project's Pulumi program through the Automation API (LocalWorkspace on the project
 * directory, so Pulumi.yaml, stackConfigDir and the state backend are the user's own). The provider
 * credential comes from CLOUDFLARE_API_TOKEN in the environment; nothing secret is passed in argv.
 */
export class PulumiEngine implements StackEngine {
  readonly label = PULUMI_LABEL;
  private stackPromise: Promise<Stack> | undefined;

  constructor(private readonly options: PulumiEngineOptions) {}

  async preview(): Promise<PreviewResult> {
    const stack = await this.stack();
    const changes = new Map<string, ResourceChange>();
    await stack.preview({ diff: true, policyPacks: [...(this.options.policyPacks ?? [])], onOutput: this.options.onOutput, onEvent: collectChanges(changes) });
    // Outputs are unknown before an update; Pulumi's --diff output shows the tokens' inputs instead.
    return { changes: [...changes.values()] };
  }

  async up(): Promise<EngineResult> {
    const stack = await this.stack();
    const changes = new Map<string, ResourceChange>();
    const result = await stack.up({ policyPacks: [...(this.options.policyPacks ?? [])], onOutput: this.options.onOutput, onEvent: collectChanges(changes) });
    return { changes: [...changes.values()], tokens: readTokenOutputs(plainOutputs(result.outputs)).tokens };
  }

  async destroy(): Promise<EngineResult> {
    const stack = await this.stack();
    const changes = new Map<string, ResourceChange>();
    await stack.destroy({ onOutput: this.options.onOutput, onEvent: collectChanges(changes) });
    // Nothing is left to rotate: a later up starts with fresh generations.
    await stack.removeConfig(`${CONFIG_NAMESPACE}:generations`);
    return { changes: [...changes.values()], tokens: [] };
  }

  async outputs(): Promise<DeployedToken[]> {
    return readTokenOutputs(plainOutputs(await (await this.stack()).outputs())).tokens;
  }

  async tokenValue(logicalName: string): Promise<string | undefined> {
    // `stack output --show-secrets` runs inside this process; the plaintext goes no further than the caller.
    return readTokenOutputs(plainOutputs(await (await this.stack()).outputs())).values.get(logicalName);
  }

  async settings(): Promise<Settings> {
    return loadStackSettings(this.options.projectDir, this.options.stack);
  }

  async saveGenerations(generations: TokenGenerations): Promise<void> {
    // `pulumi config set` honours stackConfigDir, so this lands in stacks/Pulumi.<stack>.yaml:
    // commit it (the rotate workflow does) so the next run starts from it.
    await (await this.stack()).setConfig(`${CONFIG_NAMESPACE}:generations`, { value: JSON.stringify(generations) });
  }

  private stack(): Promise<Stack> {
    this.stackPromise ??= this.openStack();
    return this.stackPromise;
  }

  private async openStack(): Promise<Stack> {
    const factory = this.options.workspace ?? ((args, opts) => LocalWorkspace.createOrSelectStack(args, opts));
    try {
      return await factory({ stackName: this.options.stack, workDir: this.options.projectDir }, { workDir: this.options.projectDir });
    } catch (error) {
      throw explainWorkspaceError(error);
    }
  }
}

function collectChanges(into: Map<string, ResourceChange>) {
  return (event: EngineEvent) => {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata || !TOKEN_TYPES.has(metadata.type)) return;
    const logicalName = metadata.urn.split("::").pop() ?? metadata.urn;
    into.set(logicalName, { logicalName, op: OPS[metadata.op] ?? "update" });
  };
}

function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

/** The Automation API needs the `pulumi` CLI; without it the error is a bare ENOENT. Say what to do. */
export function explainWorkspaceError(error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  if (/ENOENT|not found/i.test(text) && /pulumi/i.test(text)) {
    return new NothingChangedError(
      "the Pulumi CLI is not installed or not on PATH. Fix: install it (https://www.pulumi.com/docs/install/, e.g. `curl -fsSL https://get.pulumi.com | sh`), " +
        "log in to a state backend (`pulumi login` or `pulumi login file://<dir>`); or rehearse without it against a local sandbox: " +
        "run `cfct sandbox` in another terminal, then `cfct up --stack <env> --engine sandbox`",
    );
  }
  return error instanceof Error ? error : new Error(text);
}
