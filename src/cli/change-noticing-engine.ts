import type { DeployedToken, EngineResult, PreviewResult, StackEngine } from "../automation/engine";
import type { Settings } from "../config/schema";
import type { TokenGenerations } from "../domain/generation";
import { NothingChangedError } from "../domain/run-errors";
import type { ChangeCount } from "./change-count";

/**
 * An engine that records a change when it may have changed the stack: a deploy or destroy that
 * reported a change, or one that failed without saying it changed nothing (NothingChangedError).
 */
export class ChangeNoticingEngine implements StackEngine {
  constructor(
    private readonly engine: StackEngine,
    private readonly changes: ChangeCount,
  ) {}

  get label(): string {
    return this.engine.label;
  }

  preview(): Promise<PreviewResult> {
    return this.engine.preview();
  }

  up(): Promise<EngineResult> {
    return this.watch(() => this.engine.up());
  }

  destroy(): Promise<EngineResult> {
    return this.watch(() => this.engine.destroy());
  }

  outputs(): Promise<DeployedToken[]> {
    return this.engine.outputs();
  }

  tokenValue(logicalName: string): Promise<string | undefined> {
    return this.engine.tokenValue(logicalName);
  }

  settings(): Promise<Settings> {
    return this.engine.settings();
  }

  saveGenerations(generations: TokenGenerations): Promise<void> {
    return this.engine.saveGenerations(generations);
  }

  setConfig(key: string, value: unknown): Promise<void> {
    return this.engine.setConfig(key, value);
  }

  /** Undefined when the engine cannot tell (the Pulumi engine records its own as pending operations). */
  inFlight(): readonly string[] | undefined {
    return this.engine.inFlight?.();
  }

  private async watch(run: () => Promise<EngineResult>): Promise<EngineResult> {
    try {
      const result = await run();
      if (result.changes.some((change) => change.op !== "same")) this.changes.record();
      return result;
    } catch (error) {
      if (!(error instanceof NothingChangedError)) this.changes.record();
      throw error;
    }
  }
}
