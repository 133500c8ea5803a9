/**
 * `--json`: a command prints exactly one JSON object on stdout, its result or, when it fails, its
 * error. Every command with --json goes through here (main.ts prints errors), so a script reads
 * stdout whatever happened; the human-readable message still goes to stderr.
 */
import type { ErrorParts } from "../domain/cfct-error";

/** Was JSON asked for (--json, or `evidence report`'s --format json)? Read from argv, so that errors commander raises before any action are covered too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const flags = end === -1 ? argv : argv.slice(0, end);
  return (
    flags.includes("--json") || flags.includes("--format=json") || flags.some((flag, i) => flag === "--format" && flags[i + 1] === "json")
  );
}

/** An error as `--json` prints it: the whole message, and its parts apart, so that a script can show the fix on its own. */
export interface JsonError {
  readonly ok: false;
  readonly error: ErrorParts & { readonly message: string; readonly exitCode: number };
}

export function jsonError(message: string, exitCode: number, parts: ErrorParts): JsonError {
  return { ok: false, error: { message, exitCode, ...parts } };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
