import { CfctError, EXIT, type ErrorParts } from "../domain/cfct-error";
import { NothingChangedError } from "../domain/run-errors";

export { EXIT };

/** A mistake in how cfct was called: exit code 1 with the message, no stack trace. */
export class UsageError extends NothingChangedError {
  override name = "UsageError";
}

/**
 * An error's own exit code (CfctError.exit). Runs that change things (up, rotate, destroy) retype
 * every error that stops them after a change as ChangedThenStoppedError (classifyStop), exit 2;
 * verification and registration failures return exit 2 themselves. Any other error stopped cfct
 * before it changed anything.
 */
export function exitCodeFor(error: unknown): number {
  return error instanceof CfctError ? error.exit : EXIT.nothingChanged;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || `${error.name} without a message`;
  return String(error);
}

/** An error's parts as `--json` prints them, each passed through `shown` (which hides what may be secret). */
export function errorParts(error: unknown, shown: (text: string) => string): ErrorParts {
  if (!(error instanceof CfctError)) return { summary: shown(describeError(error)) };
  return {
    summary: shown(error.summary),
    ...(error.fix !== undefined ? { fix: shown(error.fix) } : {}),
    ...(error.docs !== undefined ? { docs: shown(error.docs) } : {}),
  };
}
