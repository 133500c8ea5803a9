/**
 * How a run stopped, in the terms of cfct's exit-code contract (EXIT, beside their base; the
 * README's exit-code table documents it). A leaf module, so every layer can throw them.
 */
import { CfctError, EXIT } from "./cfct-error";

/** The run stopped before it created, changed, deleted or registered anything: exit 1, safe to fix and rerun. */
export class NothingChangedError extends CfctError {
  override name = "NothingChangedError";
}

/** The run stopped after it changed something (a token created, updated, deleted or registered): exit 2. */
export class ChangedThenStoppedError extends CfctError {
  override name = "ChangedThenStoppedError";
  override readonly exit = EXIT.failed;
}

/**
 * The typed form of an error that stopped a run, given whether the run had changed anything before
 * it: after a change every error is ChangedThenStopped (the rerun finishes the job); before, the
 * error stays as it is (exit 1) unless its source knows it had changed something itself.
 */
export function classifyStop(error: unknown, changedSomething: boolean): unknown {
  if (!changedSomething || error instanceof ChangedThenStoppedError) return error;
  const message = error instanceof Error && error.message ? error.message : String(error);
  return new ChangedThenStoppedError(`${message} (this run had already changed something; run the same command again to finish)`, {
    cause: error,
  });
}
