import type { CleanedUpToken } from "../automation/engine";
import type { CleanupEvidence } from "../evidence/record";
import { rfc3339 } from "../domain/time";
import type { ChangeCount } from "./change-count";

/**
 * Tokens an interrupted earlier run left, as this command's engine deletes them. Each deletion is a
 * change (exit 2 if the run stops later), recorded before anything else can fail, and the evidence names it.
 */
export class LeftoverCleanups {
  private readonly deleted: CleanupEvidence[] = [];

  constructor(
    private readonly changes: ChangeCount,
    private readonly now: () => Promise<Date>,
  ) {}

  /** The engines' `onCleanup`. */
  readonly record = async (token: CleanedUpToken): Promise<void> => {
    this.changes.record();
    this.deleted.push({
      ...token,
      at: rfc3339(await this.now()),
      detail:
        "created by an interrupted earlier run (its create was in flight and never recorded, so nobody could hold its value); deleted by this run",
    });
  };

  get all(): readonly CleanupEvidence[] {
    return this.deleted;
  }
}
