/**
 * `--json`: a command prints exactly one JSON object on stdout, its result or, when it fails, its
 * error. Every command with --json goes through here (main.ts prints errors), so a script reads
 * stdout whatever happened; the human-readable message still goes to stderr.
 */

/** Was JSON asked for (--json, or `evidence report`'s --format json)? Read from argv, so that errors commander raises before any action are covered too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const flags = end === -1 ? argv : argv.slice(0, end);
  return (
    flags.includes("--json") || flags.includes("--format=json") || flags.some((flag, i) => flag === "--format" && flags[i + 1] === "json")
  );
}

export interface JsonError {
  readonly ok: false;
  readonly error: { readonly message: string; readonly exitCode: number };
}

export function jsonError(message: string, exitCode: number): JsonError {
  return { ok: false, error: { message, exitCode } };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
