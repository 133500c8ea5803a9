import { ChangedThenStoppedError, NothingChangedError } from "../domain/run-errors";

export { ChangedThenStoppedError, NothingChangedError };

/** A mistake in how cfct was called: exit code 1 with the message, no stack trace. */
export class UsageError extends NothingChangedError {
  override name = "UsageError";
}

/**
 * The exit-code contract; the README's "Exit codes" table is the same table (a test compares them).
 *   0 done;
 *   1 nothing was changed: bad config or flags, missing Pulumi CLI, locked stack, unreachable API
 *     before any change, corrupt local state, a provisioner that lacks a permission;
 *   2 a token failed verification or registration, or a run stopped after it changed something;
 *   128 + the signal (130 for Ctrl-C) when up, rotate or destroy was interrupted (src/cli/interruption.ts).
 */
export const EXIT = { ok: 0, nothingChanged: 1, failed: 2 } as const;

/**
 * Runs that change things (up, rotate, destroy) type every error that stops them after a change as
 * ChangedThenStoppedError (classifyStop); verification and registration failures set exit 2
 * themselves. Any other error stopped cfct before it changed anything.
 */
export function exitCodeFor(error: unknown): number {
  return error instanceof ChangedThenStoppedError ? EXIT.failed : EXIT.nothingChanged;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || `${error.name} without a message`;
  return String(error);
}
