/**
 * The one base of cfct's errors, in a leaf module so that every layer can throw it: what went wrong,
 * what to do about it, and the exit code it stops the command with. `--json` prints the parts
 * separately (src/cli/json-output.ts); `message` is the text a person reads.
 */

/**
 * The exit-code contract; the README's "Exit codes" table is the same table (a test compares them).
 *   0 done;
 *   1 nothing was changed: bad config or flags, missing Pulumi CLI, locked stack, unreachable API
 *     before any change, corrupt local state, a provisioner that lacks a permission;
 *   2 a token failed verification or registration, or a run stopped after it changed something;
 *   128 + the signal (130 for Ctrl-C) when up, rotate or destroy was interrupted (src/cli/interruption.ts).
 */
export const EXIT = { ok: 0, nothingChanged: 1, failed: 2 } as const;

/** The exit code of a command an error stopped. */
export type StopCode = typeof EXIT.nothingChanged | typeof EXIT.failed;

export interface ErrorParts {
  /** What went wrong, naming the config key or flag and the value. */
  readonly summary: string;
  /** What to do about it. */
  readonly fix?: string;
  /** A link or a doc path that explains more. */
  readonly docs?: string;
}

/** How a message reads when its parts are given: "<summary>. Fix: <fix>", the wording cfct's messages have always had. */
const FIX_SEPARATOR = ". Fix: ";

/**
 * An error a user can act on, built from its parts (`{summary, fix, docs}`, the message then reads
 * "<summary>. Fix: <fix>"). Its exit code is 1 (nothing changed) unless a subclass says otherwise; a
 * run that had changed something retypes it as ChangedThenStoppedError (classifyStop,
 * src/domain/run-errors.ts).
 *
 * The message stays the one text of it: when it is rewritten after the fact (verify hides token
 * values in it, src/cli/commands/verify.ts), the parts are read from the new text, so that a hidden
 * secret is hidden from them too. The same reading (splitAtFix) serves the messages composed
 * elsewhere and passed whole: classifyStop's retyped message (src/domain/run-errors.ts), Pulumi's
 * output with our fix on a line of its own (src/automation/pulumi-errors.ts), the provisioner
 * preflight's report (describePreflight), the registrars' refusals (src/registration), the
 * Cloudflare failures the rehearsal explains (src/rehearsal/sandbox-mocks.ts), and verify's usage
 * errors whose text is chosen whole (src/cli/commands/verify.ts).
 */
export class CfctError extends Error {
  override name = "CfctError";
  readonly exit: StopCode = EXIT.nothingChanged;
  readonly #parts: ErrorParts | undefined;

  constructor(what: string | ErrorParts, options?: ErrorOptions) {
    super(typeof what === "string" ? what : messageOf(what), options);
    this.#parts = typeof what === "string" ? undefined : what;
  }

  get summary(): string {
    return (this.#given() ?? splitAtFix(this.message)).summary;
  }

  get fix(): string | undefined {
    return (this.#given() ?? splitAtFix(this.message)).fix;
  }

  get docs(): string | undefined {
    return this.#parts?.docs;
  }

  /** The parts it was built from, while the message is still theirs. */
  #given(): ErrorParts | undefined {
    return this.#parts && this.message === messageOf(this.#parts) ? this.#parts : undefined;
  }
}

function messageOf(parts: ErrorParts): string {
  return parts.fix === undefined ? parts.summary : `${parts.summary}${FIX_SEPARATOR}${parts.fix}`;
}

/**
 * A finished message's parts: split at its "Fix:" when it has exactly one. A message with several
 * fixes (a list of problems) stays whole: splitting it at the first would misname the rest.
 */
export function splitAtFix(message: string): { summary: string; fix?: string } {
  const fixes = message.split(/\s*\bFix: /);
  if (fixes.length !== 2) return { summary: message };
  const [summary, fix] = fixes as [string, string];
  return { summary: summary.replace(/\.$/, ""), fix };
}

/** Any thrown value's summary and fix: a CfctError's own, else read from its message. */
export function summaryAndFix(error: unknown): { summary: string; fix?: string } {
  if (error instanceof CfctError) return error.fix === undefined ? { summary: error.summary } : { summary: error.summary, fix: error.fix };
  return splitAtFix(error instanceof Error ? error.message || error.name : String(error));
}
