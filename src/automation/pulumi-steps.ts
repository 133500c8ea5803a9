import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import type { ChangeOp, ResourceChange } from "./engine";
import { TOKEN_RESOURCE_TYPES } from "../domain/resource-types";

const TOKEN_TYPES: ReadonlySet<string> = new Set(Object.values(TOKEN_RESOURCE_TYPES));
/** Any of these steps means the resource is being replaced: a new token (new value) where the old one was. */
const REPLACEMENT_STEPS: ReadonlySet<OpType> = new Set([
  "replace",
  "create-replacement",
  "delete-replaced",
  "import-replacement",
  "read-replacement",
  "discard-replaced",
]);
const SINGLE_STEP: Partial<Record<OpType, ChangeOp>> = {
  create: "create",
  import: "create",
  update: "update",
  delete: "delete",
  discard: "delete",
};
/** Steps that change resources once they complete (a read or refresh only updates state). */
const CHANGING_STEPS: ReadonlySet<OpType> = new Set([...REPLACEMENT_STEPS, "create", "import", "update", "delete", "discard"]);

/**
 * Collects the engine's steps per resource URN. One logical change can be several steps — a
 * replacement is create-replacement → replace → delete-replaced — so a change is decided from the
 * whole sequence, never from the last step alone (which would call a replaced token "deleted").
 */
export class StepLog {
  private readonly steps = new Map<string, OpType[]>();
  private readonly failures: string[] = [];
  private completedChanges = 0;

  readonly onEvent = (event: EngineEvent): void => {
    const planned = event.resourcePreEvent?.metadata;
    if (planned && TOKEN_TYPES.has(planned.type)) this.steps.set(planned.urn, [...(this.steps.get(planned.urn) ?? []), planned.op]);
    const done = event.resOutputsEvent?.metadata;
    if (done && CHANGING_STEPS.has(done.op)) this.completedChanges += 1;
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) this.failures.push(`failed step: ${failed.op} ${logicalNameOf(failed.urn)} (${failed.type})`);
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error")
      this.failures.push(`${diagnostic.urn ? `${logicalNameOf(diagnostic.urn)}: ` : ""}${diagnostic.message.trim()}`);
  };

  /** One change per token resource, replacements reported as such. */
  changes(): ResourceChange[] {
    return [...this.steps].map(([urn, ops]) => ({ logicalName: logicalNameOf(urn), op: changeOf(ops) }));
  }

  /** Whether any resource step that changes something completed. */
  changedAnything(): boolean {
    return this.completedChanges > 0;
  }

  /** The failed steps and error diagnostics, in the order the engine reported them. */
  diagnostics(): string[] {
    return [...new Set(this.failures)];
  }
}

function changeOf(ops: readonly OpType[]): ChangeOp {
  if (ops.some((op) => REPLACEMENT_STEPS.has(op))) return "replace";
  for (const op of [...ops].reverse()) {
    const change = SINGLE_STEP[op];
    if (change) return change;
  }
  return "same";
}

function logicalNameOf(urn: string): string {
  return urn.split("::").pop() ?? urn;
}
