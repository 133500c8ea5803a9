import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { CloudflareClient } from "../cloudflare/client";
import { readTokenOutputs, type CleanedUpToken, type DeployedToken, type EngineResult, type StackEngine } from "../automation/engine";
import { tokenResourcesOf } from "../automation/stack-state";
import { CONFIG_NAMESPACE, parseSettings, type Settings } from "../config/schema";
import { readProjectConfig, readStackFile, stackFilePath } from "../config/stack-file";
import { stackNameProblem } from "../config/stack-name";
import { complianceTokensProgram } from "../program/program";
import { SandboxMocks } from "./sandbox-mocks";
import { SecretBox, type SealedSecret } from "./secret-box";
import { StateStore, type RehearsalState, type SandboxOfState } from "./state-store";
import { type TokenGenerations } from "../domain/generation";
import { COMPLIANCE_TOKEN_TYPE } from "../domain/resource-types";

export interface RehearsalEngineOptions {
  readonly projectDir: string;
  readonly stack: string;
  /** Where this engine keeps the stack's state (default <projectDir>/.cfct/sandbox/<stack>, git-ignored). */
  readonly stateDir?: string;
  /** An SDK client holding the provisioner credential, pointed at the sandbox. */
  readonly client: CloudflareClient;
  /** The sandbox's clock, so first-generation expiry agrees with the sandbox's time. */
  readonly now: () => Promise<Date>;
  /** Where the sealing key comes from (CFCT_REHEARSAL_PASSPHRASE, CFCT_REHEARSAL_KEY_DIR); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Which sandbox answers (its run and address), recorded with the state to notice a restarted one. */
  readonly sandbox?: () => Promise<SandboxOfState>;
  /** Where the engine says what it noticed (a restarted sandbox, a token an interrupted run left). */
  readonly progress?: (line: string) => void;
  /** Told of each token an interrupted earlier run left, once deleted (the run's evidence records it). */
  readonly onCleanup?: (token: CleanedUpToken) => Promise<void> | void;
}

const PROJECT = "cf-compliance-tokens";

export const REHEARSAL_LABEL = "engine: sandbox (rehearsal: the Pulumi program under mocks against the Cloudflare API sandbox; not Pulumi)";

/**
 * Runs the real Pulumi program (src/program) in-process under `pulumi.runtime.setMocks`, with mocks
 * that create, update and delete tokens in the sandbox over HTTP, and a small state file so a second
 * run updates or deletes instead of duplicating. For demos, tests and rehearsing rotations; it has no
 * refresh, import or plugin system: real stacks use the Pulumi engine.
 */
export class RehearsalEngine implements StackEngine {
  readonly label = REHEARSAL_LABEL;
  private readonly store: StateStore;
  private readonly box: SecretBox;

  constructor(private readonly options: RehearsalEngineOptions) {
    // The stack name becomes part of the state and key paths: never a path of its own.
    const problem = stackNameProblem(options.stack);
    if (problem) throw new Error(`stack "${options.stack}": ${problem}`);
    const dir = options.stateDir ?? path.join(options.projectDir, ".cfct", "sandbox", options.stack);
    this.store = new StateStore(dir, options.stack);
    this.box = new SecretBox(this.store, options.stack, options.env ?? process.env);
  }

  async preview(): Promise<EngineResult> {
    await this.attached();
    return this.runProgram(true);
  }

  async up(): Promise<EngineResult> {
    await this.attached();
    return this.store.withLock(() => this.runProgram(false));
  }

  async destroy(): Promise<EngineResult> {
    await this.attached();
    return this.store.withLock(async () => {
      const mocks = this.mocks(false);
      await mocks.settlePendingCreates();
      await mocks.deleteUntouched();
      this.store.update((s) => {
        s.config = {};
        s.outputs = {};
      });
      return { changes: mocks.changes, tokens: [] };
    });
  }

  async outputs(): Promise<DeployedToken[]> {
    await this.attached();
    return readTokenOutputs({ tokens: this.store.read().outputs });
  }

  async tokenValue(logicalName: string): Promise<string | undefined> {
    await this.attached();
    const sealed = tokenResourcesOf(stateResources(this.store.read())).get(logicalName)?.sealed;
    return sealed ? this.box.open(sealed) : undefined;
  }

  async settings(): Promise<Settings> {
    await this.attached();
    const file = stackFilePath(this.options.projectDir, this.options.stack);
    const { projectConfig, foreign } = readStackFile(file);
    return parseSettings({ ...projectConfig, ...this.store.read().config }, { stack: this.options.stack, source: file, also: foreign });
  }

  async saveGenerations(generations: TokenGenerations): Promise<void> {
    await this.setConfig("generations", generations);
  }

  /** `pulumi config set` for the rehearsal stack: layered over the stack file, kept in the state. */
  async setConfig(key: string, value: unknown): Promise<void> {
    await this.attached();
    this.store.update((s) => void (s.config[key] = value));
  }

  private attaching: Promise<void> | undefined;

  /** Once per run, before the state is used: is it this sandbox's? */
  private attached(): Promise<void> {
    this.attaching ??= this.attach();
    return this.attaching;
  }

  /**
   * A sandbox keeps its tokens in memory: when the one that answers is not the one the state was
   * deployed into (it was restarted), the state's tokens no longer exist, and "unchanged" would be
   * a claim nothing checked. Say so, and start the rehearsal over against this sandbox.
   */
  private async attach(): Promise<void> {
    if (!this.options.sandbox) return;
    const current = await this.options.sandbox();
    this.store.belongsTo(current);
    const state = this.store.read();
    const recorded = state.sandbox;
    if (!recorded || recorded.instance === current.instance || !holdsAnything(state)) return;
    const tokens = Object.keys(state.resources).length;
    this.options.progress?.(
      `rehearsal: the state in ${this.store.dir} was deployed into another sandbox (started ${recorded.startedAt} at ${recorded.baseUrl}), ` +
        `and the one answering now (started ${current.startedAt} at ${current.baseUrl}) is a new one: the ${tokens} token(s) recorded there went with the old one. ` +
        "Starting the rehearsal over against this sandbox: tokens are created, verified and registered again",
    );
    this.store.update((s) => {
      s.resources = {};
      s.pending = [];
      s.outputs = {};
      s.config = {};
    });
  }

  /** Stack-file keys with what cfct stored for this stack on top, as `pulumi config set` would layer them. */
  private configKeys(): Record<string, unknown> {
    return { ...readProjectConfig(stackFilePath(this.options.projectDir, this.options.stack)), ...this.store.read().config };
  }

  private mocks(dryRun: boolean): SandboxMocks {
    return new SandboxMocks(this.options.client, this.store, this.box, dryRun, this.options.stack, async (token) => {
      this.options.progress?.(`deleted orphaned token ${token.id} (${token.name}): an interrupted run created it and never recorded it`);
      await this.options.onCleanup?.(token);
    });
  }

  /** Token creates sent and not yet recorded: what an interruption right now would leave for the next run to delete. */
  inFlight(): readonly string[] {
    return this.store.read().pending.map((p) => p.tokenName);
  }

  private async runProgram(dryRun: boolean): Promise<EngineResult> {
    const mocks = this.mocks(dryRun);
    if (!dryRun) await mocks.settlePendingCreates();
    await pulumi.runtime.setMocks(mocks, PROJECT, this.options.stack, false);
    pulumi.runtime.setAllConfig(
      Object.fromEntries(
        Object.entries(this.configKeys()).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, pulumiConfigString(value)]),
      ),
    );
    let outputs: Awaited<ReturnType<typeof complianceTokensProgram>>;
    try {
      outputs = await complianceTokensProgram(await this.options.now());
    } catch (error) {
      // An invoke's failure reaches here with the message Pulumi's mock monitor dropped; the mocks kept it.
      throw mocks.failure ?? error;
    }
    // Unwrapping waits for every registration; resource mocks never reject, they record the first failure.
    const plain = (await new Promise((resolve) => pulumi.output(outputs).apply(resolve))) as { tokens: Record<string, unknown> };
    if (mocks.failure) throw mocks.failure;
    await mocks.deleteUntouched();
    // Values stay sealed in the resources; the recorded outputs are the metadata only.
    if (!dryRun) this.store.update((s) => void (s.outputs = plain.tokens));
    return { changes: mocks.changes, tokens: readTokenOutputs(plain) };
  }
}

/**
 * The rehearsal's tokens as Pulumi's state lists a stack's resources, values still sealed: each the
 * child of the ComplianceToken of its name, as the program declares it. Pulumi's mocks never tell a
 * resource its parent (runtime/mocks.js hands newResource type, name, inputs and provider), so that
 * link is the program's; the selection of each component's token is the one a Pulumi stack's goes through.
 */
function stateResources(state: RehearsalState): { urn: string; type: string; parent?: string; sealed?: SealedSecret }[] {
  const urn = (typeChain: string, name: string) => `urn:pulumi:${state.stack}::${PROJECT}::${typeChain}::${name}`;
  return Object.values(state.resources).flatMap((resource) => [
    { urn: urn(COMPLIANCE_TOKEN_TYPE, resource.name), type: COMPLIANCE_TOKEN_TYPE },
    {
      urn: urn(`${COMPLIANCE_TOKEN_TYPE}$${resource.type}`, resource.name),
      type: resource.type,
      parent: urn(COMPLIANCE_TOKEN_TYPE, resource.name),
      sealed: resource.value,
    },
  ]);
}

/**
 * A config value as Pulumi hands it to a program: a string as itself, anything else as JSON (which
 * Config.getObject parses back). JSON-encoding a string would make Config.get return it quoted.
 */
export function pulumiConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function holdsAnything(state: RehearsalState): boolean {
  return Object.keys(state.resources).length > 0 || state.pending.length > 0 || Object.keys(state.outputs).length > 0;
}
